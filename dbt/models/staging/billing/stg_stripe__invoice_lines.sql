-- One row per line item of a Stripe invoice, with its service period and discounts. The type is
-- read case-insensitively (`Subscription`), the period as unix seconds or ISO 8601 text, amounts
-- as whole minor units only (null otherwise: the raw suite blocks such recurring lines by row).
-- The lines are those of each invoice's winning version, chosen from the source by the same rule as
-- stg_stripe__invoices (furthest status, then latest `created`, then latest export; staging reads
-- no other staging model); tests/staging/assert_staging_children_follow_the_winning_versions.sql
-- checks the two agree.
with

source as (

    {{ with_export_time(source('billing', 'stripe_invoices'), 'stripe_invoices') }}

),

versions as (

    select
        {{ json_text('record', 'id') }} as stripe_invoice_id,
        {{ json_text('record', 'customer') }} as stripe_customer_id,
        {{ json_text('record', 'subscription') }} as stripe_subscription_id,
        lower({{ json_text('record', 'status') }}) as status,
        {{ from_unix_seconds(json_text('record', 'created')) }} as created_at,
        lower({{ json_text('record', 'currency') }}) as currency,
        {{ json_get('record', 'lines.data') }} as lines,
        _source_file,
        _row_number,
        _row_hash,
        _file_modified_at,
        {{ stripe_invoice_status_rank(json_text('record', 'status')) }} as version_status,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

{{ winning_versions('versions', 'stripe_invoice_id', ['version_status', 'version_created'], name='invoices') }},

lines as (

    select
        invoices.stripe_invoice_id,
        invoices.stripe_customer_id,
        invoices.stripe_subscription_id as invoice_subscription_id,
        invoices.status as invoice_status,
        invoices.currency as invoice_currency,
        invoices.created_at as invoice_created_at,
        invoices._source_file as invoice_source_file,
        invoices._row_number as invoice_row_number,
        line
    from invoices,
        {{ json_array_rows('invoices.lines', 'unnested', 'line') }}

),

final as (

    select
        {{ json_text('line', 'id') }} as stripe_invoice_line_id,
        stripe_invoice_id,
        stripe_customer_id,
        coalesce({{ json_text('line', 'subscription') }}, invoice_subscription_id) as stripe_subscription_id,
        invoice_status,
        invoice_created_at,
        coalesce(lower({{ json_text('line', 'currency') }}), invoice_currency) as currency,
        lower(trim({{ json_text('line', 'type') }})) as line_type,
        {{ parse_minor_units(json_text('line', 'amount')) }} as amount_cents,
        coalesce(
            {{ json_array_sum_minor_units('line', 'discount_amounts', 'amount') }},
            0
        ) as discount_cents,
        {{ try_cast(json_text('line', 'quantity'), 'integer') }} as quantity,
        coalesce({{ try_cast(json_text('line', 'proration'), 'boolean') }}, false) as is_proration,
        {{ parse_unix_or_text_time(json_text('line', 'period.start')) }} as period_start_at,
        {{ parse_unix_or_text_time(json_text('line', 'period.end')) }} as period_end_at,
        {{ json_text('line', 'price.id') }} as price_id,
        {{ json_text('line', 'price.product') }} as product_id,
        {{ json_text('line', 'price.recurring.interval') }} as billing_interval,
        coalesce({{ try_cast(json_text('line', 'price.recurring.interval_count'), 'integer') }}, 1)
            as billing_interval_count,
        invoice_source_file,
        invoice_row_number
    from lines

)

select * from final
