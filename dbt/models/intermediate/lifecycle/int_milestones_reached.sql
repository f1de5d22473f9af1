-- One row per account × success milestone reached: when it was first reached. Milestones are declared
-- in var lifecycle_milestones (dbt_project.yml) and compiled by macros/milestones.sql; the default
-- `activation` is an Invite Accepted followed by a Logged In of the invited user within 14 days.
with

events as (

    select * from {{ ref('int_product_events') }}
    where account_id is not null and call_type = 'track'

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

candidates as (

    {{ lifecycle_milestone_candidates('events') }}

),

final as (

    select {{ first_row_distinct('candidates.account_id, candidates.milestone') }}
        candidates.account_id,
        candidates.milestone,
        candidates.reached_at,
        candidates.start_event_id,
        candidates.follow_up_event_id,
        candidates.user_id
    from candidates
    cross join as_of
    where candidates.reached_at < {{ dbt.dateadd('month', 1, 'cast(as_of.as_of_month as timestamp)') }}
    {{ first_row_qualify(
        'candidates.account_id, candidates.milestone',
        'candidates.reached_at, candidates.follow_up_event_id, candidates.start_event_id'
    ) }}

)

select * from final
