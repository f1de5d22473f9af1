-- One row per recurring revenue period [period_start_at, period_end_at) with its monthly amount in
-- the reporting currency. Stripe: invoice lines of type `subscription`, not prorations, on invoices
-- whose status is in var mrr_invoice_statuses (paid, open); amount net of discounts, in currency
-- units, divided by the months of its interval (month → count, year → 12 × count, week → count × 12/52).
with

lines as (

    select * from {{ ref('stg_stripe__invoice_lines') }}

),

customers as (

    select * from {{ ref('int_billing_customers_resolved') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

recurring_lines as (

    select
        lines.*,
        case lines.billing_interval
            when 'month' then lines.billing_interval_count
            when 'year' then 12 * lines.billing_interval_count
            when 'week' then lines.billing_interval_count * 12.0 / 52.0
            when 'day' then lines.billing_interval_count * 12.0 / 365.0
        end as months_per_interval
    from lines
    where lines.line_type = 'subscription'
        and not lines.is_proration
        and list_contains({{ "['" ~ var('mrr_invoice_statuses') | join("', '") ~ "']" }}, lines.invoice_status)
        and lines.period_end_at > lines.period_start_at

),

converted as (

    select
        recurring_lines.*,
        (recurring_lines.amount_cents - recurring_lines.discount_cents)
            / power(10, coalesce(currencies.minor_unit_digits, 2)) as net_amount,
        period_rate.usd_per_unit as currency_usd_per_unit
    from recurring_lines
    left join currencies
        on recurring_lines.currency = currencies.currency
    left join fx_rates as period_rate
        on recurring_lines.currency = period_rate.currency
        and cast({{ dbt.date_trunc('month', 'recurring_lines.period_start_at') }} as date) = period_rate.month

),

final as (

    select
        customers.account_id,
        'stripe' as revenue_source,
        converted.stripe_customer_id,
        converted.stripe_subscription_id as subscription_id,
        converted.stripe_invoice_id,
        converted.stripe_invoice_line_id,
        converted.product_id,
        converted.price_id,
        converted.quantity,
        converted.billing_interval,
        converted.billing_interval_count,
        converted.period_start_at,
        converted.period_end_at,
        converted.currency,
        converted.amount_cents,
        converted.discount_cents,
        converted.net_amount / converted.months_per_interval as monthly_amount_local
    from converted
    inner join customers
        on converted.stripe_customer_id = customers.stripe_customer_id
    where converted.months_per_interval is not null

)

select * from final
