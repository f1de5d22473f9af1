-- One row per Stripe subscription (latest extract of each id).
with

source as (

    select * from {{ source('billing', 'stripe_subscriptions') }}

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
        coalesce(try_cast({{ json_text('record', 'cancel_at_period_end') }} as boolean), false)
            as is_cancel_at_period_end,
        {{ from_unix_seconds(json_text('record', 'canceled_at')) }} as canceled_at,
        {{ from_unix_seconds(json_text('record', 'ended_at')) }} as ended_at,
        {{ json_text('record', 'cancellation_details.reason') }} as cancellation_reason,
        record -> '$.items.data' as items,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by {{ json_text('record', 'id') }} order by {{ latest_record_order() }}
        ) as recency_rank

    from source

),

final as (

    select * exclude (recency_rank)
    from renamed
    where recency_rank = 1

)

select * from final
