-- A failure means a revenue mart has a row after as_of_month: the series runs into the future
-- (a period end or an open-ended subscription extended past the data), which no mart may do.
with

as_of as (

    select * from {{ ref('int_as_of') }}

),

late_rows as (

    select
        'fct_mrr_account_month' as mart,
        month
    from {{ ref('fct_mrr_account_month') }}
    union all
    select
        'mart_mrr_monthly' as mart,
        month
    from {{ ref('mart_mrr_monthly') }}
    union all
    select
        'mart_cohort_retention' as mart,
        cast({{ dbt.dateadd('month', 'months_since_start', 'cohort_month') }} as date) as month
    from {{ ref('mart_cohort_retention') }}

),

final as (

    select
        late_rows.mart,
        late_rows.month,
        as_of.as_of_month
    from late_rows
    cross join as_of
    where late_rows.month > as_of.as_of_month

)

select * from final
