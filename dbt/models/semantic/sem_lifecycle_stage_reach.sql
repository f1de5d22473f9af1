-- One row per account × lifecycle rung above the first (visitor): whether the account reached the
-- rung and whether it reached the rung before it, so stage_conversion (reached ÷ reached the
-- previous rung, mart_lifecycle_funnel.conversion_from_previous) is a ratio of sums for any grouping
-- (cohort month, segment, journey path). The ladder is the project's (macro lifecycle_stage_rows).
with

stages as (

    select * from {{ ref('fct_lifecycle_stages') }}

),

ladder as (

    select * from ({{ lifecycle_stage_rows() }}) as rungs
    where stage_order > 0

),

account_cohorts as (

    select
        account_id,
        cast({{ dbt.date_trunc('month', 'min(entered_at)') }} as date) as cohort_month
    from stages
    group by account_id

),

reached as (

    select distinct
        account_id,
        stage_order
    from stages

),

account_rungs as (

    select
        account_cohorts.account_id,
        account_cohorts.cohort_month,
        ladder.stage,
        ladder.stage_order
    from account_cohorts
    cross join ladder

),

final as (

    select
        account_rungs.account_id || '|' || account_rungs.stage as account_stage_id,
        account_rungs.account_id,
        account_rungs.cohort_month,
        account_rungs.stage,
        account_rungs.stage_order,
        reached_rung.account_id is not null as is_reached,
        reached_previous.account_id is not null as has_reached_previous
    from account_rungs
    left join reached as reached_rung
        on
            account_rungs.account_id = reached_rung.account_id
            and account_rungs.stage_order = reached_rung.stage_order
    left join reached as reached_previous
        on
            account_rungs.account_id = reached_previous.account_id
            and account_rungs.stage_order - 1 = reached_previous.stage_order

)

select * from final
