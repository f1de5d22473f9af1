-- One row per account × month from the account's first month with MRR > 0 (its cohort) to
-- as_of_month: the account's MRR that month next to its month-0 MRR, so net and gross revenue
-- retention and logo retention are ratios of sums (the definitions of mart_cohort_retention), and
-- MetricFlow can group them by cohort, months since start, segment or journey path.
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

cohort_months as (

    select
        account_id,
        month,
        first_mrr_month as cohort_month,
        cast({{ dbt.datediff('first_mrr_month', 'month', 'month') }} as integer) as months_since_start,
        mrr
    from account_months
    where month >= first_mrr_month

),

starting as (

    select
        account_id,
        mrr as cohort_starting_mrr
    from cohort_months
    where months_since_start = 0

),

final as (

    select
        cohort_months.account_id || '|' || cast(cohort_months.month as varchar) as account_month_id,
        cohort_months.account_id,
        cohort_months.month,
        cohort_months.cohort_month,
        cohort_months.months_since_start,
        cohort_months.mrr,
        starting.cohort_starting_mrr,
        least(cohort_months.mrr, starting.cohort_starting_mrr) as retained_mrr,
        cohort_months.mrr > 0 as is_active
    from cohort_months
    inner join starting
        on cohort_months.account_id = starting.account_id

)

select * from final
