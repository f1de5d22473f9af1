-- One row per item of a Stripe subscription (price, product, interval, quantity).
with

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

items as (

    select
        subscriptions.stripe_subscription_id,
        subscriptions.stripe_customer_id,
        item
    from subscriptions,
        {{ json_array_rows('subscriptions.items', 'unnested', 'item') }}

),

final as (

    select
        {{ json_text('item', 'id') }} as stripe_subscription_item_id,
        stripe_subscription_id,
        stripe_customer_id,
        {{ json_text('item', 'price.id') }} as price_id,
        {{ json_text('item', 'price.product') }} as product_id,
        {{ try_cast(json_text('item', 'price.unit_amount'), 'bigint') }} as unit_amount_cents,
        lower({{ json_text('item', 'price.currency') }}) as currency,
        {{ json_text('item', 'price.recurring.interval') }} as billing_interval,
        coalesce({{ try_cast(json_text('item', 'price.recurring.interval_count'), 'integer') }}, 1)
            as billing_interval_count,
        coalesce({{ try_cast(json_text('item', 'quantity'), 'integer') }}, 1) as quantity
    from items

)

select * from final
