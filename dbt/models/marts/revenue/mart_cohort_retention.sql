-- One row per cohort_month (an account's first month with MRR > 0) × months_since_start (0 … up to
-- as_of_month) × dimension × dimension_value: the whole cohort (`all`/`all`), and its split by
-- `segment` and by `journey_path` (null journey path → `unknown`). Logo retention, net and gross
-- revenue retention against the cohort's MRR in month 0.
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

cohort_members as (

    select
        account_id,
        first_mrr_month as cohort_month,
        mrr as starting_mrr
    from account_months
    where month = first_mrr_month

),

member_dimensions as (

    select
        cohort_members.account_id,
        'all' as dimension,
        'all' as dimension_value
    from cohort_members
    union all
    select
        cohort_members.account_id,
        'segment' as dimension,
        coalesce(accounts.segment, 'unknown') as dimension_value
    from cohort_members
    left join accounts on cohort_members.account_id = accounts.account_id
    union all
    select
        cohort_members.account_id,
        'journey_path' as dimension,
        coalesce(accounts.journey_path, 'unknown') as dimension_value
    from cohort_members
    left join accounts on cohort_members.account_id = accounts.account_id

),

member_months as (

    select
        account_months.account_id,
        cohort_members.cohort_month,
        cast({{ dbt.datediff('cohort_members.cohort_month', 'account_months.month', 'month') }} as integer)
            as months_since_start,
        account_months.mrr,
        cohort_members.starting_mrr,
        least(account_months.mrr, cohort_members.starting_mrr) as gross_retained_mrr
    from account_months
    inner join cohort_members
        on account_months.account_id = cohort_members.account_id
    cross join as_of
    where account_months.month <= as_of.as_of_month

),

cohort_cells as (

    select
        member_months.cohort_month,
        member_months.months_since_start,
        member_dimensions.dimension,
        member_dimensions.dimension_value,
        count(*) as cohort_customers,
        count(case when member_months.mrr > 0 then 1 end) as active_customers,
        sum(member_months.starting_mrr) as cohort_starting_mrr,
        sum(member_months.mrr) as mrr,
        sum(member_months.gross_retained_mrr) as gross_retained_mrr
    from member_months
    inner join member_dimensions
        on member_months.account_id = member_dimensions.account_id
    group by
        member_months.cohort_month,
        member_months.months_since_start,
        member_dimensions.dimension,
        member_dimensions.dimension_value

),

final as (

    select
        cohort_month,
        months_since_start,
        dimension,
        dimension_value,
        -- the same split as two columns, `all` where the row is not split by it, so a reader can
        -- filter `segment = 'smb' and journey_path = 'all'` without knowing the dimension layout
        case when dimension = 'segment' then dimension_value else 'all' end as segment,
        case when dimension = 'journey_path' then dimension_value else 'all' end as journey_path,
        cast(cohort_customers as bigint) as cohort_customers,
        cast(active_customers as bigint) as active_customers,
        cast(active_customers as double) / nullif(cohort_customers, 0) as logo_retention,
        cast(cohort_starting_mrr as decimal(38, 6)) as cohort_starting_mrr,
        cast(mrr as decimal(38, 6)) as mrr,
        cast(mrr as double) / nullif(cohort_starting_mrr, 0) as net_revenue_retention,
        cast(gross_retained_mrr as double) / nullif(cohort_starting_mrr, 0) as gross_revenue_retention,
        cast(gross_retained_mrr as decimal(38, 6)) as gross_retained_mrr
    from cohort_cells

)

select * from final
