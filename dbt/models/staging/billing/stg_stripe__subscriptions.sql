-- One row per Stripe subscription, from both shapes Stripe exports: API subscription objects (JSON
-- lines, with their items) and the Dashboard's subscriptions CSV export (no items: MRR never comes
-- from subscriptions anyway). Of its versions, the furthest status (canceled after active), then
-- the latest `created`, then the latest export.
with

source as (

    {{ with_export_time(source('billing', 'stripe_subscriptions'), 'stripe_subscriptions') }}

),

dashboard_source as (

    {{ with_export_time(source('billing', 'stripe_dashboard_subscriptions'), 'stripe_dashboard_subscriptions') }}

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
        'api' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ stripe_subscription_status_rank(json_text('record', 'status')) }} as version_status,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

dashboard_renamed as (

    select
        nullif(trim("id"), '') as stripe_subscription_id,
        nullif(trim("Customer ID"), '') as stripe_customer_id,
        lower(nullif(trim("Status"), '')) as status,
        {{ parse_timestamp('"Created (UTC)"') }} as created_at,
        coalesce({{ parse_timestamp('"Start (UTC)"') }}, {{ parse_timestamp('"Start Date (UTC)"') }}) as started_at,
        {{ parse_timestamp('"Trial Start (UTC)"') }} as trial_started_at,
        {{ parse_timestamp('"Trial End (UTC)"') }} as trial_ended_at,
        coalesce({{ try_cast('lower(trim("Cancel At Period End"))', 'boolean') }}, false) as is_cancel_at_period_end,
        {{ parse_timestamp('"Canceled At (UTC)"') }} as canceled_at,
        {{ parse_timestamp('"Ended At (UTC)"') }} as ended_at,
        nullif(trim("Cancellation Reason"), '') as cancellation_reason,
        {{ null_json() }} as items,
        -- the Dashboard's one price per subscription: the invoices CSV has no per-line interval
        lower(nullif(trim("Interval"), '')) as billing_interval,
        coalesce({{ parse_number('"Interval Count"', 'integer') }}, 1) as billing_interval_count,
        'dashboard_csv' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ stripe_subscription_status_rank('trim("Status")') }} as version_status,
        cast({{ epoch_seconds(parse_timestamp('"Created (UTC)"')) }} as bigint) as version_created

    from dashboard_source

),

both_shapes as (

    {{ union_all_by_name_many([
        ['renamed', ['stripe_subscription_id', 'stripe_customer_id', 'status', 'created_at', 'started_at', 'trial_started_at', 'trial_ended_at', 'is_cancel_at_period_end', 'canceled_at', 'ended_at', 'cancellation_reason', 'items', 'source_shape', '_source_file', '_row_number', '_loaded_at', '_row_hash', '_file_modified_at', 'version_status', 'version_created']],
        ['dashboard_renamed', ['stripe_subscription_id', 'stripe_customer_id', 'status', 'created_at', 'started_at', 'trial_started_at', 'trial_ended_at', 'is_cancel_at_period_end', 'canceled_at', 'ended_at', 'cancellation_reason', 'items', 'billing_interval', 'billing_interval_count', 'source_shape', '_source_file', '_row_number', '_loaded_at', '_row_hash', '_file_modified_at', 'version_status', 'version_created']]
    ]) }}

),

{{ winning_versions('both_shapes', 'stripe_subscription_id', ['version_status', 'version_created']) }},

final as (

    select * from winning_versions

)

select * from final
