-- The lifecycle funnel: per cohort_month (the month the account entered its first rung) × segment ×
-- journey_path (each with an `all` row) × rung: accounts that reached the rung (skipped rungs count,
-- at the next rung's time, so the funnel never grows down the ladder), conversion from the previous
-- rung and from the first, and the median and 90th percentile of days from the previous rung.
with

stages as (

    select * from {{ ref('fct_lifecycle_stages') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

ladder as (

    {{ lifecycle_stage_rows() }}

),

account_cohorts as (

    select
        stages.account_id,
        cast({{ dbt.date_trunc('month', 'min(stages.entered_at)') }} as date) as cohort_month
    from stages
    group by stages.account_id

),

account_dimensions as (

    select
        account_cohorts.account_id,
        account_cohorts.cohort_month,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(accounts.journey_path, 'unknown') as journey_path
    from account_cohorts
    left join accounts on account_cohorts.account_id = accounts.account_id

),

-- each account counts in its own segment and path, and in the `all` rows
account_groups as (

    select
        account_dimensions.account_id,
        account_dimensions.cohort_month,
        segments.segment,
        paths.journey_path
    from account_dimensions,
        unnest({{ list_literal(["account_dimensions.segment", "'all'"]) }}) as segments (segment),
        unnest({{ list_literal(["account_dimensions.journey_path", "'all'"]) }}) as paths (journey_path)

),

stage_steps as (

    select
        account_id,
        stage,
        stage_order,
        {{ lifecycle_days_between(
            'lag(entered_at) over (partition by account_id order by stage_order)', 'entered_at'
        ) }} as days_from_previous
    from stages

),

reached as (

    select
        account_groups.cohort_month,
        account_groups.segment,
        account_groups.journey_path,
        stage_steps.stage,
        count(*) as accounts_reached,
        {{ quantile_cont('stage_steps.days_from_previous', 0.5) }} as median_days_from_previous,
        {{ quantile_cont('stage_steps.days_from_previous', 0.9) }} as p90_days_from_previous
    from account_groups
    inner join stage_steps on account_groups.account_id = stage_steps.account_id
    group by account_groups.cohort_month, account_groups.segment, account_groups.journey_path, stage_steps.stage

),

groups as (

    select distinct
        cohort_month,
        segment,
        journey_path
    from account_groups

),

grid as (

    select
        groups.cohort_month,
        groups.segment,
        groups.journey_path,
        ladder.stage,
        ladder.stage_order
    from groups
    cross join ladder

),

counted as (

    select
        grid.cohort_month,
        grid.segment,
        grid.journey_path,
        grid.stage,
        grid.stage_order,
        coalesce(reached.accounts_reached, 0) as accounts_reached,
        lag(coalesce(reached.accounts_reached, 0)) over funnel as previous_accounts_reached,
        first_value(coalesce(reached.accounts_reached, 0)) over funnel as first_accounts_reached,
        reached.median_days_from_previous,
        reached.p90_days_from_previous
    from grid
    left join reached
        on
            grid.cohort_month = reached.cohort_month
            and grid.segment = reached.segment
            and grid.journey_path = reached.journey_path
            and grid.stage = reached.stage
    window funnel as (
        partition by grid.cohort_month, grid.segment, grid.journey_path order by grid.stage_order
    )

),

final as (

    select
        cohort_month,
        segment,
        journey_path,
        stage,
        stage_order,
        cast(accounts_reached as bigint) as accounts_reached,
        cast(accounts_reached as double) / nullif(previous_accounts_reached, 0) as conversion_from_previous,
        cast(accounts_reached as double) / nullif(first_accounts_reached, 0) as conversion_from_first,
        cast(median_days_from_previous as double) as median_days_from_previous,
        cast(p90_days_from_previous as double) as p90_days_from_previous
    from counted

)

select * from final
