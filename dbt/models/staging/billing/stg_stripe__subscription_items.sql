-- One row per item of a Stripe subscription (price, product, interval, quantity). The items are
-- those of each subscription's winning version, chosen from the source by the same rule as
-- stg_stripe__subscriptions (furthest status, then latest `created`, then latest export; staging
-- reads no other staging model); tests/staging/assert_staging_children_follow_the_winning_versions.sql
-- checks the two agree.
with

source as (

    {{ with_export_time(source('billing', 'stripe_subscriptions'), 'stripe_subscriptions') }}

),

versions as (

    select
        {{ json_text('record', 'id') }} as stripe_subscription_id,
        {{ json_text('record', 'customer') }} as stripe_customer_id,
        {{ json_get('record', 'items.data') }} as items,
        _source_file,
        _row_number,
        _row_hash,
        _file_modified_at,
        {{ stripe_subscription_status_rank(json_text('record', 'status')) }} as version_status,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

{{ winning_versions('versions', 'stripe_subscription_id', ['version_status', 'version_created'], name='subscriptions') }},

items as (

    select
        subscriptions.stripe_subscription_id,
        subscriptions.stripe_customer_id,
        subscriptions._source_file as subscription_source_file,
        subscriptions._row_number as subscription_row_number,
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
        coalesce({{ try_cast(json_text('item', 'quantity'), 'integer') }}, 1) as quantity,
        subscription_source_file,
        subscription_row_number
    from items

)

select * from final
