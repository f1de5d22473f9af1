{{ config(severity='warn') }}
-- A warning means revenue left out: invoice lines of type `subscription` on revenue invoices whose
-- billing interval is none of day, week, month, year (or missing), so they cannot be normalised to a
-- month and are not in MRR. The rows say which invoice and line; check the export's price.recurring.
with

invoice_lines as (

    select * from {{ ref('int_invoice_lines') }}

),

final as (

    select
        stripe_invoice_id,
        stripe_invoice_line_id,
        billing_interval,
        billing_interval_count,
        amount_cents
    from invoice_lines
    where
        line_type = 'subscription'
        and not is_proration
        and invoice_status in (
            {%- for status in var('mrr_invoice_statuses') %}'{{ status }}'{{ ", " if not loop.last }}{% endfor -%}
        )
        and (billing_interval is null or billing_interval not in ('day', 'week', 'month', 'year'))

)

select * from final
