-- One row per Stripe invoice: of its versions, the furthest status (draft < open < paid/void/uncollectible),
-- then the latest `created`, then the latest export (macros/parsing.sql, winning_versions).
with

source as (

    {{ with_export_time(source('billing', 'stripe_invoices'), 'stripe_invoices') }}

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
        {{ try_cast(json_text('record', 'amount_due'), 'bigint') }} as amount_due_cents,
        {{ try_cast(json_text('record', 'amount_paid'), 'bigint') }} as amount_paid_cents,
        {{ try_cast(json_text('record', 'attempt_count'), 'integer') }} as attempt_count,
        {{ from_unix_seconds(json_text('record', 'status_transitions.paid_at')) }} as paid_at,
        {{ json_get('record', 'lines.data') }} as lines,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ stripe_invoice_status_rank(json_text('record', 'status')) }} as version_status,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

{{ winning_versions('renamed', 'stripe_invoice_id', ['version_status', 'version_created']) }},

final as (

    select * from winning_versions

)

select * from final
