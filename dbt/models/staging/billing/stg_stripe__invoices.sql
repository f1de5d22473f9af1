-- One row per Stripe invoice, from both shapes Stripe exports: API invoice objects (JSON lines, with
-- their lines) and the Dashboard's invoices CSV export (one row per invoice, money in major units,
-- converted here to minor units by the currency's digits; no lines: stg_stripe__invoice_lines makes
-- one recurring line of the `dashboard_*` columns). Of an invoice's versions, the furthest status
-- (draft < open < paid/void/uncollectible), then the latest `created`, then the latest export
-- (macros/parsing.sql, winning_versions).
with

source as (

    {{ with_export_time(source('billing', 'stripe_invoices'), 'stripe_invoices') }}

),

dashboard_source as (

    {{ with_export_time(source('billing', 'stripe_dashboard_invoices'), 'stripe_dashboard_invoices') }}

),

currencies as (

    select * from {{ ref('currencies') }}

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
        'api' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ stripe_invoice_status_rank(json_text('record', 'status')) }} as version_status,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

dashboard_typed as (

    select
        dashboard_source.*,
        lower(nullif(trim(dashboard_source."Currency"), '')) as _currency,
        coalesce(currencies.minor_unit_digits, 2) as _digits,
        coalesce(
            {{ parse_timestamp('dashboard_source."Created (UTC)"') }},
            {{ parse_timestamp('dashboard_source."Date (UTC)"') }}
        ) as _created_at
    from dashboard_source
    left join currencies
        on lower(nullif(trim(dashboard_source."Currency"), '')) = currencies.currency

),

dashboard_renamed as (

    select
        nullif(trim("id"), '') as stripe_invoice_id,
        nullif(trim("Customer"), '') as stripe_customer_id,
        nullif(trim("Subscription"), '') as stripe_subscription_id,
        lower(nullif(trim("Status"), '')) as status,
        lower(nullif(trim("Billing Reason"), '')) as billing_reason,
        _created_at as created_at,
        _currency as currency,
        {{ parse_major_units('"Amount Due"', '_digits') }} as amount_due_cents,
        {{ parse_major_units('"Amount Paid"', '_digits') }} as amount_paid_cents,
        {{ parse_number('"Attempt Count"', 'integer') }} as attempt_count,
        {{ parse_timestamp('"Paid At (UTC)"') }} as paid_at,
        {{ null_json() }} as lines,
        -- the invoice's one recurring line, for stg_stripe__invoice_lines
        coalesce(
            {{ parse_major_units('"Subtotal"', '_digits') }}, {{ parse_major_units('"Amount Due"', '_digits') }}
        ) as dashboard_line_amount_cents,
        case
            when {{ parse_major_units('"Subtotal"', '_digits') }} is not null
                then coalesce({{ parse_major_units('"Total Discount Amount"', '_digits') }}, 0)
            else 0
        end as dashboard_line_discount_cents,
        {{ parse_timestamp('"Minimum Line Item Period Start (UTC)"') }} as dashboard_period_start_at,
        {{ parse_timestamp('"Maximum Line Item Period End (UTC)"') }} as dashboard_period_end_at,
        'dashboard_csv' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ stripe_invoice_status_rank('trim("Status")') }} as version_status,
        cast({{ epoch_seconds('_created_at') }} as bigint) as version_created

    from dashboard_typed

),

both_shapes as (

    {{ union_all_by_name_many([
        ['renamed', ['stripe_invoice_id', 'stripe_customer_id', 'stripe_subscription_id', 'status', 'billing_reason', 'created_at', 'currency', 'amount_due_cents', 'amount_paid_cents', 'attempt_count', 'paid_at', 'lines', 'source_shape', '_source_file', '_row_number', '_loaded_at', '_row_hash', '_file_modified_at', 'version_status', 'version_created']],
        ['dashboard_renamed', ['stripe_invoice_id', 'stripe_customer_id', 'stripe_subscription_id', 'status', 'billing_reason', 'created_at', 'currency', 'amount_due_cents', 'amount_paid_cents', 'attempt_count', 'paid_at', 'lines', 'dashboard_line_amount_cents', 'dashboard_line_discount_cents', 'dashboard_period_start_at', 'dashboard_period_end_at', 'source_shape', '_source_file', '_row_number', '_loaded_at', '_row_hash', '_file_modified_at', 'version_status', 'version_created']]
    ]) }}

),

{{ winning_versions('both_shapes', 'stripe_invoice_id', ['version_status', 'version_created']) }},

final as (

    select * from winning_versions

)

select * from final
