-- One row per account with a Stripe subscription: did its latest subscription (its last engagement)
-- end in a cancellation? Latest = the subscription that ended (or was canceled, started, created)
-- last. mart_client_phases reads it: a former client whose last engagement was cancelled is not
-- between engagements.
with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

billing_customers as (

    select * from {{ ref('int_billing_customers_resolved') }}

),

final as (

    select
        billing_customers.account_id,
        -- of subscriptions that ended (or were canceled, started, created) at the same instant, the greatest id
        {{ arg_max(
            '(subscriptions.canceled_at is not null or subscriptions.cancellation_reason is not null'
            ~ ' or subscriptions.is_cancel_at_period_end)',
            'row(coalesce(subscriptions.ended_at, subscriptions.canceled_at, subscriptions.started_at, subscriptions.created_at), '
            ~ 'subscriptions.stripe_subscription_id)'
        ) }} as last_engagement_cancelled
    from subscriptions
    inner join billing_customers on subscriptions.stripe_customer_id = billing_customers.stripe_customer_id
    group by billing_customers.account_id

)

select * from final
