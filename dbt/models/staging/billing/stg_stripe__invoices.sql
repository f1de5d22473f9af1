-- One row per Stripe invoice (latest extract of each id: an invoice moves open → paid).
with

source as (

    select * from {{ source('billing', 'stripe_invoices') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as stripe_invoice_id,
        {{ json_text('record', 'customer') }} as stripe_customer_id,
        {{ json_text('record', 'subscription') }} as stripe_subscription_id,
        lower({{ json_text('record', 'status') }}) as status,
        {{ json_text('record', 'billing_reason') }} as billing_reason,
        {{ from_unix_seconds(json_text('record', 'created')) }} as created_at,
        lower({{ json_text('record', 'currency') }}) as currency,
        try_cast({{ json_text('record', 'amount_due') }} as bigint) as amount_due_cents,
        try_cast({{ json_text('record', 'amount_paid') }} as bigint) as amount_paid_cents,
        try_cast({{ json_text('record', 'attempt_count') }} as integer) as attempt_count,
        {{ from_unix_seconds(json_text('record', 'status_transitions.paid_at')) }} as paid_at,
        record -> '$.lines.data' as lines,
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
