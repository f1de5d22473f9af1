-- One row per account × month in which the account is in an engagement segment: active (paying
-- and used the product), dormant (paying, unused), churned (not paying after having paid),
-- free_active (never paid, used). A free month without use has no row. Used = an active event
-- (var engagement_active_events, default Logged In) in the month. With the milestones reached
-- by the month's end.
with

engagement as (

    select * from {{ ref('int_engagement_account_months') }}

),

milestones as (

    select * from {{ ref('int_milestones_reached') }}

),

segmented as (

    select * from engagement
    where engagement_segment is not null

),

milestones_so_far as (

    select
        segmented.account_id,
        segmented.month,
        {{ list_agg('milestones.milestone', 'milestones.reached_at, milestones.milestone') }} as milestones
    from segmented
    inner join milestones
        on
            segmented.account_id = milestones.account_id
            and milestones.reached_at < {{ dbt.dateadd('month', 1, 'cast(segmented.month as timestamp)') }}
    group by segmented.account_id, segmented.month

),

final as (

    select
        segmented.account_id,
        segmented.month,
        segmented.engagement_segment,
        segmented.active_users,
        segmented.logins,
        segmented.features_used,
        segmented.tracked_events,
        segmented.known_users,
        segmented.mrr,
        segmented.is_paying,
        cast(coalesce({{ list_length('milestones_so_far.milestones') }}, 0) as bigint) as milestones_reached,
        coalesce(milestones_so_far.milestones, {{ empty_text_list() }}) as milestones
    from segmented
    left join milestones_so_far
        on segmented.account_id = milestones_so_far.account_id and segmented.month = milestones_so_far.month

)

select * from final
