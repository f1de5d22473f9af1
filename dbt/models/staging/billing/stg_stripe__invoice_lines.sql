-- One row per line item of a Stripe invoice, with its service period and discounts. The type is
-- read case-insensitively (`Subscription`), the period as unix seconds or ISO 8601 text, amounts
-- as whole minor units only (null otherwise: the raw suite blocks such recurring lines by row).
with

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

lines as (

    select
        invoices.stripe_invoice_id,
        invoices.stripe_customer_id,
        invoices.stripe_subscription_id as invoice_subscription_id,
        invoices.status as invoice_status,
        invoices.currency as invoice_currency,
        invoices.created_at as invoice_created_at,
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
            as billing_interval_count
    from lines

)

select * from final
