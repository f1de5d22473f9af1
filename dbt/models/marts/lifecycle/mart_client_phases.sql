-- The B2B view, one row per account:
--   phase    active_client (MRR > 0 in as_of_month); prospect (never had MRR); between_engagements (had
--            MRR, has none now, its last engagement did not end in a cancellation, and it has an open
--            deal or activity within var lifecycle_recent_activity_days of as_of_date); former_client
--            (had MRR, has none now, and is not between engagements)
--   outcome  of the pre-purchase journey: won (became a customer, or a deal was won); else from its
--            latest closed deal: not_now (lost for timing/budget, var lifecycle_not_now_reasons) or
--            lost; null while undecided
--   referrals_made, and for former clients whether their latest NPS response is a promoter's.
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

stages as (

    select * from {{ ref('fct_lifecycle_stages') }}

),

deals as (

    select * from {{ ref('int_lifecycle_deals') }}
    where account_id is not null

),

referrals as (

    select * from {{ ref('int_lifecycle_referrals') }}

),

touchpoints as (

    select * from {{ ref('int_lifecycle_touchpoints') }}

),

product_events as (

    select * from {{ ref('int_product_events') }}
    where account_id is not null and call_type in ('track', 'page')

),

latest_subscriptions as (

    select * from {{ ref('int_account_last_engagements') }}

),

responses as (

    select * from {{ ref('int_survey_responses') }}
    where account_id is not null and is_nps and score is not null and responded_at is not null

),

as_of as (

    select
        *,
        {{ dbt.dateadd('day', 1, 'cast(as_of_date as timestamp)') }} as as_of_end_at,
        {{ dbt.dateadd('day', 1 - var('lifecycle_recent_activity_days') | int, 'cast(as_of_date as timestamp)') }}
            as recent_activity_from
    from {{ ref('int_as_of') }}

),

customers as (

    select
        account_id,
        min(entered_at) as customer_at
    from stages
    where stage = 'customer'
    group by account_id

),

current_stages as (

    select
        account_id,
        stage as current_stage
    from stages
    where is_current

),

deal_summary as (

    select
        deals.account_id,
        count(*) filter (where deals.is_won) > 0 as has_won_deal,
        count(*) filter (where deals.is_open) > 0 as has_open_deal,
        -- of deals closed at the same instant, the greatest id
        {{ arg_max(
            "case when deals.is_not_now then 'not_now' else 'lost' end",
            'row(coalesce(deals.closed_at, deals.created_at), deals.crm_deal_id)',
            where='deals.is_lost'
        ) }} as latest_lost_outcome
    from deals
    group by deals.account_id

),

referral_counts as (

    select
        referrer_account_id as account_id,
        count(*) as referrals_made
    from referrals
    group by referrer_account_id

),

activity as (

    select
        account_id,
        occurred_at
    from touchpoints
    union all
    select
        account_id,
        occurred_at
    from product_events
    union all
    select
        account_id,
        closed_at
    from deals
    where closed_at is not null

),

recent_activity as (

    select
        activity.account_id,
        max(activity.occurred_at) as last_activity_at
    from activity
    cross join as_of
    where activity.occurred_at < as_of.as_of_end_at
    group by activity.account_id

),

latest_responses as (

    select
        account_id,
        {{ arg_max('score', 'row(responded_at, response_id)') }} as latest_score
    from responses
    group by account_id

),

classified as (

    select
        accounts.account_id,
        accounts.segment,
        accounts.journey_path,
        current_stages.current_stage,
        accounts.has_ever_paid,
        accounts.is_paying,
        accounts.last_paid_month,
        coalesce(latest_subscriptions.last_engagement_cancelled, false) as has_cancellation,
        coalesce(deal_summary.has_open_deal, false) as has_open_deal,
        recent_activity.last_activity_at,
        coalesce(recent_activity.last_activity_at >= as_of.recent_activity_from, false) as has_recent_activity,
        case
            when customers.account_id is not null or coalesce(deal_summary.has_won_deal, false) then 'won'
            else deal_summary.latest_lost_outcome
        end as outcome,
        coalesce(referral_counts.referrals_made, 0) as referrals_made,
        latest_responses.latest_score
    from accounts
    cross join as_of
    left join customers on accounts.account_id = customers.account_id
    left join current_stages on accounts.account_id = current_stages.account_id
    left join deal_summary on accounts.account_id = deal_summary.account_id
    left join referral_counts on accounts.account_id = referral_counts.account_id
    left join recent_activity on accounts.account_id = recent_activity.account_id
    left join latest_subscriptions on accounts.account_id = latest_subscriptions.account_id
    left join latest_responses on accounts.account_id = latest_responses.account_id

),

phased as (

    select
        *,
        case
            when is_paying then 'active_client'
            when not has_ever_paid then 'prospect'
            when not has_cancellation and (has_open_deal or has_recent_activity) then 'between_engagements'
            else 'former_client'
        end as phase
    from classified

),

final as (

    select
        account_id,
        phase,
        outcome,
        cast(referrals_made as bigint) as referrals_made,
        case
            when phase = 'former_client' then coalesce(latest_score >= {{ var('lifecycle_promoter_min_score') }}, false)
        end as former_client_is_promoter,
        segment,
        journey_path,
        current_stage,
        last_paid_month,
        last_activity_at,
        has_open_deal,
        has_cancellation,
        cast(latest_score as integer) as latest_nps_score
    from phased

)

select * from final
