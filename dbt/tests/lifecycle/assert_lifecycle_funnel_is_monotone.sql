-- A failure means a funnel rung has more accounts than the rung before it in some cohort × segment ×
-- path group: skipped rungs were not counted as reached, so the ladder lost its funnel property.
with

funnel as (

    select * from {{ ref('mart_lifecycle_funnel') }}

),

steps as (

    select
        *,
        lag(accounts_reached) over (
            partition by cohort_month, segment, journey_path order by stage_order
        ) as previous_accounts_reached
    from funnel

)

select *
from steps
where accounts_reached > previous_accounts_reached
