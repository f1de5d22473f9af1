-- One row per paying account × month (MRR > 0 at the month's end): the raw signals the health
-- score reads, each over its window. Usage compares the month with the average of the
-- var health_lookback_months months before it; support, SLA, payment and MRR signals cover the
-- lookback months ending with this one; NPS covers var health_nps_lookback_months months (each
-- respondent's latest answer in that span).
{%- set lookback = var('health_lookback_months') %}
{%- set nps_lookback = var('health_nps_lookback_months') %}
with

engagement as (

    select * from {{ ref('int_engagement_account_months') }}

),

tickets as (

    select * from {{ ref('int_support_tickets_scored') }}

),

nps_responses as (

    select * from {{ ref('int_nps_responses_scored') }}

),

invoices as (

    select * from {{ ref('stg_stripe__invoices') }}

),

billing_customers as (

    select * from {{ ref('int_billing_customers_resolved') }}

),

usage_history as (

    select
        account_id,
        month,
        logins,
        active_users,
        known_users,
        features_used,
        mrr,
        {{ average('logins') }} over (
            partition by account_id order by month rows between {{ lookback }} preceding and 1 preceding
        ) as prior_average_logins,
        max(mrr) over (
            partition by account_id order by month rows between {{ lookback - 1 }} preceding and current row
        ) as lookback_peak_mrr
    from engagement

),

paying_months as (

    select * from usage_history
    where mrr > 0

),

ticket_months as (

    select
        account_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month,
        count(*) as tickets,
        count(*) filter (where is_csat_good = false) as bad_csat_ratings,
        count(*) filter (where is_sla_breached) as sla_breaches
    from tickets
    where account_id is not null
    group by 1, 2

),

failed_invoice_months as (

    select
        billing_customers.account_id,
        cast({{ dbt.date_trunc('month', 'invoices.created_at') }} as date) as month,
        count(*) as failed_invoices
    from invoices
    inner join billing_customers on invoices.stripe_customer_id = billing_customers.stripe_customer_id
    where invoices.attempt_count > 1 or invoices.status = 'uncollectible'
    group by 1, 2

),

support_windows as (

    select
        paying_months.account_id,
        paying_months.month,
        cast(sum(ticket_months.tickets) as bigint) as tickets,
        cast(sum(ticket_months.bad_csat_ratings) as bigint) as bad_csat_ratings,
        cast(sum(ticket_months.sla_breaches) as bigint) as sla_breaches
    from paying_months
    inner join ticket_months
        on
            paying_months.account_id = ticket_months.account_id
            and ticket_months.month > {{ dbt.dateadd('month', -lookback, 'paying_months.month') }}
            and paying_months.month >= ticket_months.month
    group by 1, 2

),

payment_windows as (

    select
        paying_months.account_id,
        paying_months.month,
        cast(sum(failed_invoice_months.failed_invoices) as bigint) as failed_invoices
    from paying_months
    inner join failed_invoice_months
        on
            paying_months.account_id = failed_invoice_months.account_id
            and failed_invoice_months.month > {{ dbt.dateadd('month', -lookback, 'paying_months.month') }}
            and paying_months.month >= failed_invoice_months.month
    group by 1, 2

),

nps_in_window as (

    select {{ first_row_distinct('paying_months.account_id, paying_months.month, nps_responses.respondent') }}
        paying_months.account_id,
        paying_months.month,
        nps_responses.nps_category
    from paying_months
    inner join nps_responses
        on
            paying_months.account_id = nps_responses.account_id
            and nps_responses.month > {{ dbt.dateadd('month', -nps_lookback, 'paying_months.month') }}
            and paying_months.month >= nps_responses.month
    {{ first_row_qualify(
        'paying_months.account_id, paying_months.month, nps_responses.respondent',
        'nps_responses.responded_at desc, nps_responses.response_id desc'
    ) }}

),

nps_windows as (

    select
        account_id,
        month,
        count(*) as nps_respondents,
        count(*) filter (where nps_category = 'promoter') as nps_promoters,
        count(*) filter (where nps_category = 'detractor') as nps_detractors
    from nps_in_window
    group by 1, 2

),

final as (

    select
        paying_months.account_id,
        paying_months.month,
        paying_months.mrr,
        paying_months.lookback_peak_mrr,
        paying_months.logins,
        paying_months.prior_average_logins,
        paying_months.active_users,
        paying_months.known_users,
        paying_months.features_used,
        coalesce(support_windows.tickets, 0) as lookback_tickets,
        coalesce(support_windows.bad_csat_ratings, 0) as lookback_bad_csat_ratings,
        coalesce(support_windows.sla_breaches, 0) as lookback_sla_breaches,
        coalesce(payment_windows.failed_invoices, 0) as lookback_failed_invoices,
        coalesce(nps_windows.nps_respondents, 0) as nps_respondents,
        coalesce(nps_windows.nps_promoters, 0) as nps_promoters,
        coalesce(nps_windows.nps_detractors, 0) as nps_detractors
    from paying_months
    left join support_windows
        on paying_months.account_id = support_windows.account_id and paying_months.month = support_windows.month
    left join payment_windows
        on paying_months.account_id = payment_windows.account_id and paying_months.month = payment_windows.month
    left join nps_windows
        on paying_months.account_id = nps_windows.account_id and paying_months.month = nps_windows.month

)

select * from final
