-- One row per knowledge-base article view (`Article Viewed`) on or before as_of_date, and whether a
-- ticket of the same account followed it within var support_deflection_window_hours (a view not
-- followed by a ticket is a deflected one).
with

events as (

    select * from {{ ref('int_product_events') }}

),

tickets as (

    select * from {{ ref('int_support_tickets_scored') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

views as (

    select
        events.event_id,
        events.account_id,
        events.resolved_user_id as user_id,
        events.article_id,
        events.occurred_at as viewed_at,
        cast({{ dbt.date_trunc('month', 'events.occurred_at') }} as date) as month
    from events
    cross join as_of
    where
        events.event_name = 'Article Viewed'
        and events.occurred_at is not null
        and events.occurred_at < {{ dbt.dateadd('day', 1, 'cast(as_of.as_of_date as timestamp)') }}

),

followed as (

    select
        views.event_id,
        min(tickets.created_at) as next_ticket_at,
        {{ arg_min(
            'tickets.ticket_id', 'row(tickets.created_at, tickets.ticket_id)', where='tickets.created_at is not null'
        ) }} as next_ticket_id
    from views
    inner join tickets
        on
            views.account_id = tickets.account_id
            and views.viewed_at <= tickets.created_at
            and tickets.created_at <= {{ dbt.dateadd('hour', var('support_deflection_window_hours'), 'views.viewed_at') }}
    group by views.event_id

),

final as (

    select
        views.event_id,
        views.account_id,
        views.user_id,
        views.article_id,
        views.viewed_at,
        views.month,
        followed.next_ticket_id,
        followed.next_ticket_at,
        followed.event_id is not null as is_followed_by_ticket
    from views
    left join followed on views.event_id = followed.event_id

)

select * from final
