-- A failure means mart_mrr_monthly disagrees with fct_mrr_account_month: a month missing from the
-- monthly mart, or its ending MRR or customer count not the sum over accounts, or its starting MRR
-- not last month's ending MRR although everything bills in the reporting currency (so there is no
-- exchange-rate effect).
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

monthly as (

    select * from {{ ref('mart_mrr_monthly') }}

),

periods as (

    select * from {{ ref('int_subscription_periods') }}

),

from_accounts as (

    select
        month,
        sum(mrr) as ending_mrr,
        count(case when mrr > 0 then 1 end) as customers
    from account_months
    group by month

),

currency_count as (

    select count(distinct currency) as foreign_currencies
    from periods
    where currency <> '{{ var("reporting_currency") | lower }}'

),

final as (

    select
        coalesce(from_accounts.month, monthly.month) as month,
        from_accounts.ending_mrr as ending_from_accounts,
        monthly.ending_mrr,
        from_accounts.customers as customers_from_accounts,
        monthly.customers,
        monthly.fx_restatement_mrr,
        currency_count.foreign_currencies
    from from_accounts
    full outer join monthly
        on from_accounts.month = monthly.month
    cross join currency_count

)

select * from final
where
    ending_from_accounts is null
    or ending_mrr is null
    or ending_from_accounts <> ending_mrr
    or customers_from_accounts <> customers
    or (foreign_currencies = 0 and fx_restatement_mrr <> 0)
