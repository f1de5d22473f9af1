-- One row per recurring revenue period [period_start_at, period_end_at) with its monthly amount in
-- the currency it was billed in (conversion happens per month, downstream). Two sources, one shape:
--   stripe:  each invoice line of type `subscription`, not a proration, on an invoice whose status
--            is in var mrr_invoice_statuses (paid, open); (amount − Σ discount_amounts) in currency
--            units, divided by the months of its interval (month → count, year → 12 × count,
--            week → count × 12/52, day → count × 12/365);
--   generic: each row of the generic profile's subscriptions.csv (monthly amount as given, or, when
--            mapping.yml says minor_units: true, ÷ 10^digits of its currency; an empty end means
--            still running, and such a period runs to as_of_month downstream).
-- The line type is read case-insensitively and the period as unix seconds or ISO text (staging); a
-- period whose end equals its start is kept (it counts under any_overlap, in no month under
-- end_of_month). A further source is one more CTE of the same columns in `unioned`.
with

invoice_lines as (

    select * from {{ ref('int_invoice_lines') }}

),

billing_customers as (

    select * from {{ ref('int_billing_customers_resolved') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

generic_subscriptions as (

    select * from {{ ref('stg_generic__subscriptions') }}

),

recurring_lines as (

    select
        invoice_lines.*,
        case invoice_lines.billing_interval
            when 'month' then cast(invoice_lines.billing_interval_count as double)
            when 'year' then 12.0 * invoice_lines.billing_interval_count
            when 'week' then invoice_lines.billing_interval_count * 12.0 / 52.0
            when 'day' then invoice_lines.billing_interval_count * 12.0 / 365.0
        end as months_per_interval
    from invoice_lines
    where
        invoice_lines.line_type = 'subscription'
        and not invoice_lines.is_proration
        and invoice_lines.invoice_status in (
            {%- for status in var('mrr_invoice_statuses') %}'{{ status }}'{{ ", " if not loop.last }}{% endfor -%}
        )
        and invoice_lines.period_start_at is not null
        -- a period whose end equals its start is kept: it counts under any_overlap (spec), in no
        -- month under end_of_month; an end before its start blocks the build in the raw suite
        and invoice_lines.period_end_at >= invoice_lines.period_start_at

),

stripe_periods as (

    select
        billing_customers.account_id,
        'stripe' as revenue_source,
        'stripe:' || recurring_lines.stripe_invoice_id || ':' || recurring_lines.stripe_invoice_line_id
            as subscription_period_id,
        recurring_lines.stripe_subscription_id as subscription_id,
        recurring_lines.stripe_customer_id,
        recurring_lines.stripe_invoice_id,
        recurring_lines.stripe_invoice_line_id,
        recurring_lines.invoice_status,
        recurring_lines.product_id,
        recurring_lines.price_id,
        recurring_lines.quantity,
        recurring_lines.billing_interval,
        recurring_lines.billing_interval_count,
        recurring_lines.months_per_interval,
        recurring_lines.period_start_at,
        recurring_lines.period_end_at,
        recurring_lines.currency,
        recurring_lines.amount_cents,
        recurring_lines.discount_cents,
        (recurring_lines.amount_cents - recurring_lines.discount_cents)
        / power(10, coalesce(currencies.minor_unit_digits, 2))
        / recurring_lines.months_per_interval as monthly_amount_local
    from recurring_lines
    inner join billing_customers
        on recurring_lines.stripe_customer_id = billing_customers.stripe_customer_id
    left join currencies
        on recurring_lines.currency = currencies.currency
    where recurring_lines.months_per_interval is not null

),

generic_periods as (

    select
        generic_subscriptions.account_id,
        'generic' as revenue_source,
        'generic:' || generic_subscriptions.subscription_period_id as subscription_period_id,
        generic_subscriptions.subscription_id,
        cast(null as varchar) as stripe_customer_id,
        cast(null as varchar) as stripe_invoice_id,
        cast(null as varchar) as stripe_invoice_line_id,
        cast(null as varchar) as invoice_status,
        generic_subscriptions.plan as product_id,
        cast(null as varchar) as price_id,
        cast(null as integer) as quantity,
        'month' as billing_interval,
        1 as billing_interval_count,
        cast(1 as double) as months_per_interval,
        generic_subscriptions.period_start_at,
        generic_subscriptions.period_end_at,
        lower(generic_subscriptions.currency) as currency,
        cast(null as bigint) as amount_cents,
        cast(null as bigint) as discount_cents,
        cast(coalesce(
            generic_subscriptions.monthly_amount,
            -- mapping.yml minor_units: true (cents), ÷ 10^digits of the currency as for Stripe
            generic_subscriptions.monthly_amount_minor_units / power(10, coalesce(generic_currencies.minor_unit_digits, 2))
        ) as double) as monthly_amount_local
    from generic_subscriptions
    left join currencies as generic_currencies
        on lower(generic_subscriptions.currency) = generic_currencies.currency
    where
        generic_subscriptions.account_id is not null
        and generic_subscriptions.period_start_at is not null
        and coalesce(generic_subscriptions.monthly_amount, generic_subscriptions.monthly_amount_minor_units) is not null
        and (
            generic_subscriptions.period_end_at is null
            or generic_subscriptions.period_end_at >= generic_subscriptions.period_start_at
        )

),

unioned as (

    select * from stripe_periods
    union all
    select * from generic_periods

),

final as (

    select * from unioned

)

select * from final
