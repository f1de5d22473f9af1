-- One row per account: its journey path, by the precedence of marts.md — referral (Original Source
-- REFERRALS), else free_trial (its first subscription had a trial, or a Trial Started event), else demo
-- (a Demo Requested event, or a new-business deal whose stage history includes a demo), else sales_led
-- (a new-business deal exists), else self_serve (it became a customer); null while none is known.
with

accounts as (

    select * from {{ ref('int_accounts') }}

),

billing_customers as (

    select * from {{ ref('int_billing_customers_resolved') }}

),

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

events as (

    select * from {{ ref('int_product_events') }}
    where account_id is not null and event_name in ('Trial Started', 'Demo Requested')

),

deals as (

    select * from {{ ref('int_lifecycle_deals') }}
    where account_id is not null and is_new_business

),

evidence as (

    select * from {{ ref('int_lifecycle_stage_evidence') }}
    where stage = 'customer'

),

ranked_subscriptions as (

    select
        billing_customers.account_id,
        subscriptions.trial_started_at is not null or subscriptions.trial_ended_at is not null as had_trial,
        row_number() over (
            partition by billing_customers.account_id
            order by
                coalesce(subscriptions.created_at, subscriptions.started_at) nulls last,
                subscriptions.stripe_subscription_id
        ) as subscription_rank
    from subscriptions
    inner join billing_customers on subscriptions.stripe_customer_id = billing_customers.stripe_customer_id

),

first_subscriptions as (

    select
        account_id,
        had_trial as first_subscription_had_trial
    from ranked_subscriptions
    where subscription_rank = 1

),

product_signals as (

    select
        account_id,
        count(*) filter (where event_name = 'Trial Started') > 0 as has_trial_event,
        count(*) filter (where event_name = 'Demo Requested') > 0 as has_demo_event
    from events
    group by account_id

),

deal_signals as (

    select
        account_id,
        count(*) > 0 as has_deal,
        count(*) filter (where has_demo) > 0 as has_demo_deal
    from deals
    group by account_id

),

signals as (

    select
        accounts.account_id,
        coalesce(accounts.original_source = 'REFERRALS', false) as is_referral,
        coalesce(first_subscriptions.first_subscription_had_trial, false) as first_subscription_had_trial,
        coalesce(product_signals.has_trial_event, false) as has_trial_event,
        coalesce(product_signals.has_demo_event, false) as has_demo_event,
        coalesce(deal_signals.has_demo_deal, false) as has_demo_deal,
        coalesce(deal_signals.has_deal, false) as has_deal,
        evidence.account_id is not null as is_customer
    from accounts
    left join first_subscriptions on accounts.account_id = first_subscriptions.account_id
    left join product_signals on accounts.account_id = product_signals.account_id
    left join deal_signals on accounts.account_id = deal_signals.account_id
    left join evidence on accounts.account_id = evidence.account_id

),

final as (

    select
        account_id,
        case
            when is_referral then 'referral'
            when first_subscription_had_trial or has_trial_event then 'free_trial'
            when has_demo_event or has_demo_deal then 'demo'
            when has_deal then 'sales_led'
            when is_customer then 'self_serve'
        end as journey_path,
        is_referral,
        first_subscription_had_trial,
        has_trial_event,
        has_demo_event,
        has_demo_deal,
        has_deal,
        is_customer
    from signals

)

select * from final
