-- One row per interaction of an account with the business, from every source, mapped to a touchpoint
-- of the journey map (marts.md: website, pricing_page, trial, demo, sales_deal, onboarding,
-- knowledge_base, support_ticket, email, renewal, cancellation, nps_survey):
--   product events    by name (var lifecycle_touchpoint_events); Page Viewed on a pricing path
--                     (var lifecycle_pricing_paths) is pricing_page; logins and feature use are
--                     product usage, not touchpoints (see mart_engagement_monthly)
--   CRM deals         sales_deal at creation; demo when its history enters a demo stage
--   CRM contacts      created from an Original Source in var lifecycle_touchpoint_original_sources
--   support tickets   support_ticket at creation
--   billing           renewal: each paid period after a subscription's first; cancellation: a
--                     subscription's canceled_at; trial: a subscription trial, for accounts with no
--                     Trial Started event (the same trial is not counted twice)
--   surveys           nps_survey: each NPS response
{%- set event_touchpoints = var('lifecycle_touchpoint_events') %}
{%- set source_touchpoints = var('lifecycle_touchpoint_original_sources', {}) %}
with

product_events as (

    select * from {{ ref('int_product_events') }}
    where account_id is not null and occurred_at is not null and call_type in ('track', 'page')

),

deals as (

    select * from {{ ref('int_lifecycle_deals') }}
    where account_id is not null

),

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

contact_companies as (

    select * from {{ ref('int_lifecycle_contact_companies') }}

),

tickets as (

    select * from {{ ref('int_support_tickets') }}
    where account_id is not null and created_at is not null

),

periods as (

    select * from {{ ref('int_subscription_periods') }}
    where monthly_amount_local > 0

),

subscriptions as (

    select * from {{ ref('stg_stripe__subscriptions') }}

),

billing_customers as (

    select * from {{ ref('int_billing_customers_resolved') }}

),

responses as (

    select * from {{ ref('int_survey_responses') }}
    where account_id is not null and is_nps and responded_at is not null

),

as_of as (

    select
        {{ dbt.dateadd('month', 1, 'cast(as_of_month as timestamp)') }} as data_end_at
    from {{ ref('int_as_of') }}

),

event_touchpoints as (

    select
        account_id,
        case
            when
                coalesce(event_name, 'Page Viewed') = 'Page Viewed'
                and (
                    {%- for path in var('lifecycle_pricing_paths') %}
                        starts_with(coalesce(page_path, ''), '{{ path }}'){% if not loop.last %} or{% endif %}
                    {%- endfor %}
                    {%- if var('lifecycle_pricing_paths') | length == 0 %} false{% endif %}
                ) then 'pricing_page'
            {%- for event_name, touchpoint in event_touchpoints.items() %}
                when coalesce(event_name, 'Page Viewed') = '{{ event_name | replace("'", "''") }}' then '{{ touchpoint }}'
            {%- endfor %}
        end as touchpoint,
        occurred_at,
        'product' as source,
        'event:' || event_id as record_id
    from product_events
    -- a Segment `page` call has no event name: it is a page view

),

trial_event_accounts as (

    select distinct account_id
    from product_events
    where event_name = 'Trial Started'

),

deal_touchpoints as (

    select
        account_id,
        'sales_deal' as touchpoint,
        created_at as occurred_at,
        'crm' as source,
        'deal:' || crm_deal_id as record_id
    from deals
    where created_at is not null
    union all
    select
        account_id,
        'demo' as touchpoint,
        demo_at as occurred_at,
        'crm' as source,
        'deal_demo:' || crm_deal_id as record_id
    from deals
    where demo_at is not null

),

contact_touchpoints as (

    select
        contact_companies.account_id,
        case contacts.original_source
            {%- for original_source, touchpoint in source_touchpoints.items() %}
                when '{{ original_source }}' then '{{ touchpoint }}'
            {%- endfor %}
        end as touchpoint,
        contacts.created_at as occurred_at,
        'crm' as source,
        'contact:' || contacts.crm_contact_id as record_id
    from contacts
    inner join contact_companies on contacts.crm_contact_id = contact_companies.crm_contact_id
    where
        contacts.created_at is not null
        and contacts.original_source in {{ lifecycle_in_list(source_touchpoints.keys() | list) }}

),

ticket_touchpoints as (

    select
        account_id,
        'support_ticket' as touchpoint,
        created_at as occurred_at,
        'support' as source,
        'ticket:' || ticket_id as record_id
    from tickets

),

subscription_periods as (

    select
        account_id,
        subscription_id,
        period_start_at,
        min(period_start_at) over (partition by account_id, subscription_id) as first_period_start_at
    from (
        select distinct
            account_id,
            coalesce(subscription_id, subscription_period_id) as subscription_id,
            period_start_at
        from periods
    ) as distinct_periods

),

renewal_touchpoints as (

    select
        account_id,
        'renewal' as touchpoint,
        period_start_at as occurred_at,
        'billing' as source,
        'renewal:' || subscription_id || ':' || cast(period_start_at as varchar) as record_id
    from subscription_periods
    where period_start_at > first_period_start_at

),

subscription_touchpoints as (

    select
        billing_customers.account_id,
        'cancellation' as touchpoint,
        subscriptions.canceled_at as occurred_at,
        'billing' as source,
        'cancellation:' || subscriptions.stripe_subscription_id as record_id
    from subscriptions
    inner join billing_customers on subscriptions.stripe_customer_id = billing_customers.stripe_customer_id
    where subscriptions.canceled_at is not null
    union all
    select
        billing_customers.account_id,
        'trial' as touchpoint,
        coalesce(subscriptions.trial_started_at, subscriptions.started_at, subscriptions.created_at) as occurred_at,
        'billing' as source,
        'trial:' || subscriptions.stripe_subscription_id as record_id
    from subscriptions
    inner join billing_customers on subscriptions.stripe_customer_id = billing_customers.stripe_customer_id
    left join trial_event_accounts on billing_customers.account_id = trial_event_accounts.account_id
    where
        (subscriptions.trial_started_at is not null or subscriptions.trial_ended_at is not null)
        and trial_event_accounts.account_id is null

),

survey_touchpoints as (

    select
        account_id,
        'nps_survey' as touchpoint,
        responded_at as occurred_at,
        'surveys' as source,
        'response:' || response_id as record_id
    from responses

),

unioned as (

    select * from event_touchpoints
    union all
    select * from deal_touchpoints
    union all
    select * from contact_touchpoints
    union all
    select * from ticket_touchpoints
    union all
    select * from renewal_touchpoints
    union all
    select * from subscription_touchpoints
    union all
    select * from survey_touchpoints

),

final as (

    select unioned.*
    from unioned
    cross join as_of
    where
        unioned.touchpoint is not null
        and unioned.occurred_at is not null
        and unioned.occurred_at < as_of.data_end_at

)

select * from final
