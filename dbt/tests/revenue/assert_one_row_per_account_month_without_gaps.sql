-- A failure means an account's MRR series is not one row per month from its first paid month to
-- as_of_month: a duplicated account-month (double-counted revenue) or a missing month (a gap month
-- dropped, hiding churn or reactivation). The row returned says which account and how it is off.
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

series as (

    select
        account_months.account_id,
        min(account_months.month) as first_month,
        max(account_months.month) as last_month,
        count(*) as row_count,
        count(distinct account_months.month) as distinct_months,
        min(account_months.first_mrr_month) as first_mrr_month,
        any_value(as_of.as_of_month) as as_of_month
    from account_months
    cross join as_of
    group by account_months.account_id

),

final as (

    select
        *,
        {{ dbt.datediff('first_mrr_month', 'as_of_month', 'month') }} + 1 as expected_months
    from series

)

select * from final
where
    row_count <> distinct_months
    or row_count <> expected_months
    or first_month <> first_mrr_month
    or last_month <> as_of_month
