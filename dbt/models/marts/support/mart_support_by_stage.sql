-- Support friction per month × lifecycle stage: tickets (by the account's stage when each was
-- created), tickets per 100 accounts on that rung during the month, median first reply, SLA breach
-- rate, CSAT good share, the top tags, and knowledge-base deflection — article views (by the stage
-- at the view), views followed by a ticket of the same account within var
-- support_deflection_window_hours, and tickets that came within that time after a view.
-- Tickets and views whose account or stage is unknown land on stage `unknown`.
with

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

views as (

    select * from {{ ref('int_kb_article_views') }}

),

spells as (

    select * from {{ ref('int_account_stage_spells') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

ticket_rows as (

    select
        *,
        coalesce(lifecycle_stage_at_creation, 'unknown') as lifecycle_stage
    from tickets

),

view_stages as (

    select
        views.event_id,
        {{ arg_max('spells.stage', 'spells.stage_order') }} as lifecycle_stage
    from views
    inner join spells
        on
            views.account_id = spells.account_id
            and views.viewed_at >= spells.valid_from
            and (spells.valid_to is null or views.viewed_at < spells.valid_to)
    group by views.event_id

),

view_rows as (

    select
        views.*,
        coalesce(view_stages.lifecycle_stage, 'unknown') as lifecycle_stage
    from views
    left join view_stages on views.event_id = view_stages.event_id

),

-- tickets that came within the deflection window after a view by the same account
tickets_after_views as (

    select distinct tickets.ticket_id
    from tickets
    inner join views
        on
            tickets.account_id = views.account_id
            and tickets.created_at >= views.viewed_at
            and views.viewed_at >= {{ dbt.dateadd('hour', -var('support_deflection_window_hours'), 'tickets.created_at') }}

),

ticket_stats as (

    select
        ticket_rows.month,
        ticket_rows.lifecycle_stage,
        count(*) as tickets,
        count(distinct ticket_rows.account_id) as accounts_with_tickets,
        {{ median('ticket_rows.first_reply_minutes') }} as median_first_reply_minutes,
        {{ median('ticket_rows.first_reply_business_minutes') }} as median_first_reply_business_minutes,
        count(*) filter (where ticket_rows.is_sla_breached is not null) as tickets_with_sla,
        count(*) filter (where ticket_rows.is_sla_breached) as sla_breaches,
        count(*) filter (where ticket_rows.is_csat_good is not null) as csat_ratings,
        count(*) filter (where ticket_rows.is_csat_good) as csat_good_ratings,
        count(tickets_after_views.ticket_id) as tickets_after_kb_view
    from ticket_rows
    left join tickets_after_views on ticket_rows.ticket_id = tickets_after_views.ticket_id
    group by ticket_rows.month, ticket_rows.lifecycle_stage

),

tag_counts as (

    select
        ticket_rows.month,
        ticket_rows.lifecycle_stage,
        tag,
        count(*) as tag_tickets
    from ticket_rows,
        unnest(ticket_rows.tags) as tag_list (tag)
    group by ticket_rows.month, ticket_rows.lifecycle_stage, tag

),

ranked_tags as (

    select
        *,
        row_number() over (partition by month, lifecycle_stage order by tag_tickets desc, tag asc) as tag_rank
    from tag_counts

),

top_tags as (

    select
        month,
        lifecycle_stage,
        {{ list_agg('tag', 'tag_rank') }} as top_tags
    from ranked_tags
    where tag_rank <= {{ var('support_top_tags') }}
    group by month, lifecycle_stage

),

view_stats as (

    select
        month,
        lifecycle_stage,
        count(*) as kb_article_views,
        count(*) filter (where is_followed_by_ticket) as kb_views_followed_by_ticket
    from view_rows
    group by month, lifecycle_stage

),

spell_months as (

    select
        spells.account_id,
        spells.stage as lifecycle_stage,
        cast(month_start as date) as month
    from spells
    cross join as_of,
        {{ month_series_rows(
            'cast(' ~ dbt.date_trunc('month', 'spells.valid_from') ~ ' as timestamp)',
            'least(cast(as_of.as_of_month as timestamp), coalesce(cast('
                ~ dbt.date_trunc('month', dbt.dateadd('microsecond', -1, 'spells.valid_to'))
                ~ ' as timestamp), cast(as_of.as_of_month as timestamp)))',
            'months', 'month_start'
        ) }}

),

stage_accounts as (

    select
        month,
        lifecycle_stage,
        count(distinct account_id) as accounts_in_stage
    from spell_months
    group by month, lifecycle_stage

),

activity_range as (

    select min(month) as first_month
    from (
        select month from ticket_rows
        union all
        select month from view_rows
    ) as activity

),

keys as (

    select
        month,
        lifecycle_stage
    from ticket_stats
    union
    select
        month,
        lifecycle_stage
    from view_stats
    union
    select
        stage_accounts.month,
        stage_accounts.lifecycle_stage
    from stage_accounts
    cross join activity_range
    where stage_accounts.month >= activity_range.first_month

),

final as (

    select
        keys.month,
        keys.lifecycle_stage,
        coalesce(ticket_stats.tickets, 0) as tickets,
        stage_accounts.accounts_in_stage,
        {{ divide('100.0 * coalesce(ticket_stats.tickets, 0)', 'nullif(stage_accounts.accounts_in_stage, 0)') }}
            as tickets_per_100_accounts,
        coalesce(ticket_stats.accounts_with_tickets, 0) as accounts_with_tickets,
        ticket_stats.median_first_reply_minutes,
        ticket_stats.median_first_reply_business_minutes,
        coalesce(ticket_stats.sla_breaches, 0) as sla_breaches,
        {{ divide('ticket_stats.sla_breaches', 'nullif(ticket_stats.tickets_with_sla, 0)') }} as sla_breach_rate,
        coalesce(ticket_stats.csat_ratings, 0) as csat_ratings,
        {{ divide('ticket_stats.csat_good_ratings', 'nullif(ticket_stats.csat_ratings, 0)') }} as csat_good_share,
        coalesce(top_tags.top_tags, {{ empty_text_list() }}) as top_tags,
        coalesce(view_stats.kb_article_views, 0) as kb_article_views,
        coalesce(view_stats.kb_views_followed_by_ticket, 0) as kb_views_followed_by_ticket,
        1.0 - {{ divide('view_stats.kb_views_followed_by_ticket', 'nullif(view_stats.kb_article_views, 0)') }}
            as kb_deflection_rate,
        coalesce(ticket_stats.tickets_after_kb_view, 0) as tickets_after_kb_view
    from keys
    cross join as_of
    left join ticket_stats
        on keys.month = ticket_stats.month and keys.lifecycle_stage = ticket_stats.lifecycle_stage
    left join stage_accounts
        on keys.month = stage_accounts.month and keys.lifecycle_stage = stage_accounts.lifecycle_stage
    left join top_tags
        on keys.month = top_tags.month and keys.lifecycle_stage = top_tags.lifecycle_stage
    left join view_stats
        on keys.month = view_stats.month and keys.lifecycle_stage = view_stats.lifecycle_stage
    where keys.month <= as_of.as_of_month

)

select * from final
