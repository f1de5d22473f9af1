-- One row per account × month, dense from the account's first month with product activity or MRR
-- to as_of_month: usage (active users, logins, features used, users known so far), MRR, and the
-- engagement segment — active (paying and used), dormant (paying, unused), churned (not paying,
-- paid before), free_active (never paid, used); null for a free month without use.
{%- set active_events = var('engagement_active_events') %}
with

events as (

    select * from {{ ref('int_product_events') }}

),

mrr_months as (

    select * from {{ ref('int_mrr_account_months') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

account_events as (

    select
        events.account_id,
        events.resolved_user_id as user_id,
        events.event_name,
        events.feature,
        cast({{ dbt.date_trunc('month', 'events.occurred_at') }} as date) as month
    from events
    cross join as_of
    where
        events.account_id is not null
        and events.call_type = 'track'
        and events.occurred_at is not null
        and events.occurred_at < {{ dbt.dateadd('day', 1, 'cast(as_of.as_of_date as timestamp)') }}

),

usage as (

    select
        account_id,
        month,
        count(distinct user_id) filter (
            where event_name in ({% for event in active_events %}'{{ event }}'{{ ', ' if not loop.last }}{% endfor %})
        ) as active_users,
        count(*) filter (where event_name = 'Logged In') as logins,
        count(distinct feature) filter (where event_name = 'Feature Used') as features_used,
        count(*) as tracked_events
    from account_events
    group by account_id, month

),

user_first_months as (

    select
        account_id,
        user_id,
        min(month) as first_month
    from account_events
    where user_id is not null
    group by account_id, user_id

),

new_users as (

    select
        account_id,
        first_month as month,
        count(*) as new_users
    from user_first_months
    group by account_id, first_month

),

first_months as (

    select
        account_id,
        min(month) as first_month
    from (
        select
            account_id,
            month
        from usage
        where active_users > 0
        union all
        select
            account_id,
            month
        from mrr_months
        where mrr > 0
    ) as activity
    group by account_id

),

spine as (

    select
        first_months.account_id,
        cast(month_start as date) as month
    from first_months
    cross join as_of,
        {{ month_series_rows('cast(first_months.first_month as timestamp)', 'cast(as_of.as_of_month as timestamp)', 'months', 'month_start') }}

),

joined as (

    select
        spine.account_id,
        spine.month,
        coalesce(usage.active_users, 0) as active_users,
        coalesce(usage.logins, 0) as logins,
        coalesce(usage.features_used, 0) as features_used,
        coalesce(usage.tracked_events, 0) as tracked_events,
        cast(sum(coalesce(new_users.new_users, 0)) over (
            partition by spine.account_id order by spine.month rows between unbounded preceding and current row
        ) as bigint) as known_users,
        coalesce(mrr_months.mrr, 0) as mrr,
        mrr_months.movement,
        mrr_months.first_mrr_month
    from spine
    left join usage on spine.account_id = usage.account_id and spine.month = usage.month
    left join new_users on spine.account_id = new_users.account_id and spine.month = new_users.month
    left join mrr_months on spine.account_id = mrr_months.account_id and spine.month = mrr_months.month

),

final as (

    select
        account_id,
        month,
        active_users,
        logins,
        features_used,
        tracked_events,
        known_users,
        mrr,
        movement,
        mrr > 0 as is_paying,
        first_mrr_month is not null and month >= first_mrr_month as has_paid_before,
        case
            when mrr > 0 and active_users > 0 then 'active'
            when mrr > 0 then 'dormant'
            when first_mrr_month is not null and month > first_mrr_month then 'churned'
            when active_users > 0 then 'free_active'
        end as engagement_segment
    from joined

)

select * from final
