-- A failure means an account's ladder is broken: rungs missing below a reached rung, entries going
-- back in time up the ladder, an exit that is not the next rung's entry, or not exactly one current rung.
with

stages as (

    select * from {{ ref('fct_lifecycle_stages') }}

),

checked as (

    select
        account_id,
        stage,
        stage_order,
        entered_at,
        exited_at,
        is_current,
        row_number() over account_rungs - 1 as expected_stage_order,
        lead(entered_at) over account_rungs as next_entered_at,
        count(*) filter (where is_current) over (partition by account_id) as current_rungs
    from stages
    window account_rungs as (partition by account_id order by stage_order)

)

select *
from checked
where stage_order != expected_stage_order
    or entered_at > next_entered_at
    or exited_at is distinct from next_entered_at
    or current_rungs != 1
    or (is_current and exited_at is not null)
