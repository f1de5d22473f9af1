-- One row per Stripe subscription: of its versions, the furthest status (canceled after active),
-- then the latest `created`, then the latest export.
with

source as (

    {{ with_export_time(source('billing', 'stripe_subscriptions'), 'stripe_subscriptions') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as stripe_subscription_id,
        {{ json_text('record', 'customer') }} as stripe_customer_id,
        {{ json_text('record', 'status') }} as status,
        {{ from_unix_seconds(json_text('record', 'created')) }} as created_at,
        {{ from_unix_seconds(json_text('record', 'start_date')) }} as started_at,
        {{ from_unix_seconds(json_text('record', 'trial_start')) }} as trial_started_at,
        {{ from_unix_seconds(json_text('record', 'trial_end')) }} as trial_ended_at,
        coalesce({{ try_cast(json_text('record', 'cancel_at_period_end'), 'boolean') }}, false)
            as is_cancel_at_period_end,
        {{ from_unix_seconds(json_text('record', 'canceled_at')) }} as canceled_at,
        {{ from_unix_seconds(json_text('record', 'ended_at')) }} as ended_at,
        {{ json_text('record', 'cancellation_details.reason') }} as cancellation_reason,
        {{ json_get('record', 'items.data') }} as items,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ stripe_subscription_status_rank(json_text('record', 'status')) }} as version_status,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

{{ winning_versions('renamed', 'stripe_subscription_id', ['version_status', 'version_created']) }},

final as (

    select * from winning_versions

)

select * from final
