-- Every Stripe invoice line, of either export shape, for the revenue rules:
--   api:           the lines of each invoice's winning version (stg_stripe__invoice_lines);
--   dashboard_csv: an invoice from the Dashboard's CSV export has no lines, so it becomes one line
--                  (id `dashboard_csv`), of type `subscription` when the invoice names a subscription
--                  (a proration when its billing reason is `subscription_update`), amount Subtotal −
--                  Total Discount Amount (Amount Due without Subtotal), period [Minimum Line Item
--                  Period Start, Maximum Line Item Period End) and the interval of its subscription in
--                  the subscriptions CSV, else one read off the period (DECISIONLOG, "Stripe Dashboard
--                  CSV exports").
-- Made here, not in staging: it joins two staging models (invoices and subscriptions), and staging
-- reads only its source (tests/test_dbt_layers.py).
with

api_lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

dashboard_invoices as (

    select
        invoices.*,
        coalesce(invoices.dashboard_period_start_at, invoices.created_at) as _period_start_at,
        subscriptions.billing_interval as _subscription_interval,
        subscriptions.billing_interval_count as _subscription_interval_count
    from invoices
    left join subscriptions
        on invoices.stripe_subscription_id = subscriptions.stripe_subscription_id
    where invoices.source_shape = 'dashboard_csv'

),

dashboard_lines as (

    select
        'dashboard_csv' as stripe_invoice_line_id,
        stripe_invoice_id,
        stripe_customer_id,
        stripe_subscription_id,
        status as invoice_status,
        created_at as invoice_created_at,
        currency,
        case when stripe_subscription_id is not null then 'subscription' else 'invoiceitem' end as line_type,
        dashboard_line_amount_cents as amount_cents,
        dashboard_line_discount_cents as discount_cents,
        cast(null as integer) as quantity,
        coalesce(billing_reason = 'subscription_update', false) as is_proration,
        _period_start_at as period_start_at,
        coalesce(
            dashboard_period_end_at,
            case _subscription_interval
                when 'month' then {{ add_units('_period_start_at', 'month', '_subscription_interval_count') }}
                when 'year' then {{ add_units('_period_start_at', 'year', '_subscription_interval_count') }}
                when 'week' then {{ add_units('_period_start_at', 'day', '7 * _subscription_interval_count') }}
                when 'day' then {{ add_units('_period_start_at', 'day', '_subscription_interval_count') }}
            end
        ) as period_end_at,
        cast(null as varchar) as price_id,
        cast(null as varchar) as product_id,
        coalesce(
            _subscription_interval,
            case
                when dashboard_period_end_at is null then null
                when {{ units_between('month', '_period_start_at', 'dashboard_period_end_at') }} >= 1 then 'month'
                else 'day'
            end
        ) as billing_interval,
        coalesce(
            case when _subscription_interval is not null then _subscription_interval_count end,
            case
                when {{ units_between('month', '_period_start_at', 'dashboard_period_end_at') }} >= 1
                    then cast({{ units_between('month', '_period_start_at', 'dashboard_period_end_at') }} as integer)
                else greatest(cast({{ units_between('day', '_period_start_at', 'dashboard_period_end_at') }} as integer), 1)
            end,
            1
        ) as billing_interval_count
    from dashboard_invoices

),

unioned as (

    {{ union_all_by_name_many([
        ['api_lines', relation_column_names(ref('stg_stripe__invoice_lines'))],
        ['dashboard_lines', ['stripe_invoice_line_id', 'stripe_invoice_id', 'stripe_customer_id', 'stripe_subscription_id', 'invoice_status', 'invoice_created_at', 'currency', 'line_type', 'amount_cents', 'discount_cents', 'quantity', 'is_proration', 'period_start_at', 'period_end_at', 'price_id', 'product_id', 'billing_interval', 'billing_interval_count']]
    ]) }}

)

select * from unioned
