-- Every record that could not be resolved to a CRM company: kept and counted, never dropped.
-- Billing customers among them still carry revenue, as accounts of their own (`stripe:<id>`).
with

billing as (

    select * from {{ ref('int_billing_customers_resolved') }} where not is_matched_to_crm

),

tickets as (

    select * from {{ ref('int_support_tickets') }} where account_id is null

),

responses as (

    select * from {{ ref('int_survey_responses') }} where account_id is null

),

product_users as (

    select * from {{ ref('int_product_users') }} where account_id is null

),

generic_events as (

    select * from {{ ref('int_product_events') }}
    where match_method is null and unmatched_reason is not null

),

churn_events as (

    select * from {{ ref('int_churn_events') }} where unmatched_reason is not null

),

anonymous_events as (

    select anonymous_id, count(*) as events
    from {{ ref('int_product_events') }}
    where account_id is null and user_id is null and anonymous_id is not null
    group by anonymous_id

),

final as (

    select 'stripe_customer' as source, stripe_customer_id as record_id, unmatched_reason as reason,
        'kept as account ' || account_id as outcome
    from billing
    union all
    select 'zendesk_ticket', ticket_id, unmatched_reason, 'kept, no account' from tickets
    union all
    select 'survey_response', response_id, unmatched_reason, 'kept, no account' from responses
    union all
    select 'product_user', user_id, unmatched_reason, 'kept, no account' from product_users
    union all
    select 'generic_event', event_id, unmatched_reason, 'kept, no account' from generic_events
    union all
    select 'generic_churn_event', churn_event_id, unmatched_reason,
        case when is_countable then 'kept, counted as segment unknown' else 'kept, not counted in mart_churn_reasons' end
    from churn_events
    union all
    select 'product_anonymous_id', anonymous_id, 'anonymous visitor never identified',
        'kept, no account (' || events || ' events)'
    from anonymous_events

)

select * from final
