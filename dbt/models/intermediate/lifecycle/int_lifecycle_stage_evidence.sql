-- One row per account × ladder rung for which the data holds the rung's own evidence, at the earliest
-- such evidence (before the ladder rules of int_account_lifecycle_ladder: skips, gating, ordering).
--   visitor       first Page Viewed attributed to the account (anonymous ids stitched by identify), or
--                 its CRM create date (billing-only accounts: the billing customer's creation)
--   subscriber … opportunity, customer, advocate (Evangelist)
--                 HubSpot stage dates of the company and of its contacts (rolled up: earliest)
--   customer      the start of the earliest paid period overlapping its first month with MRR > 0
--   onboarded     the milestone named by var lifecycle_onboarded_milestone (int_milestones_reached)
--   adopted       an active event in each of the var lifecycle_adoption_months calendar months after
--                 the onboarding month (onboarding counted from the customer date at the earliest)
--   retained      MRR > 0 in the month holding the end of the first billing interval (+ offset var)
--   expanded      the first `expansion` MRR movement
--   advocate      a promoter NPS response, a referral made, or the CRM Evangelist date
{%- set stage_by_hubspot = {
    'subscriber': 'subscriber', 'lead': 'lead', 'marketing_qualified_lead': 'marketing_qualified_lead',
    'sales_qualified_lead': 'sales_qualified_lead', 'opportunity': 'opportunity', 'customer': 'customer',
    'evangelist': 'advocate'} %}
with

accounts as (

    select * from {{ ref('int_accounts') }}

),

as_of as (

    select
        *,
        {{ dbt.dateadd('month', 1, 'cast(as_of_month as timestamp)') }} as data_end_at
    from {{ ref('int_as_of') }}

),

product_events as (

    select * from {{ ref('int_product_events') }}
    where account_id is not null and occurred_at is not null

),

crm_stage_dates as (

    select * from {{ ref('stg_hubspot__lifecycle_stage_dates') }}
    where entered_at is not null

),

contact_companies as (

    select * from {{ ref('int_lifecycle_contact_companies') }}

),

paid_periods as (

    select * from {{ ref('int_subscription_periods') }}
    where monthly_amount_local > 0

),

mrr_months as (

    select * from {{ ref('int_mrr_account_months') }}

),

milestones as (

    select * from {{ ref('int_milestones_reached') }}
    where milestone = '{{ var("lifecycle_onboarded_milestone") }}'

),

promoter_responses as (

    select * from {{ ref('int_survey_responses') }}
    where
        account_id is not null
        and is_nps
        and score >= {{ var('lifecycle_promoter_min_score') }}
        and responded_at is not null

),

referrals as (

    select * from {{ ref('int_lifecycle_referrals') }}

),

-- visitor ---------------------------------------------------------------------------------------

page_view_evidence as (

    select
        account_id,
        'visitor' as stage,
        min(occurred_at) as evidence_at,
        'page_viewed' as entry_trigger,
        -- of events at the same instant, the least id (as every arg_min on a timestamp here)
        'event:' || {{ arg_min('event_id', 'row(occurred_at, event_id)') }} as entry_record_id
    from product_events
    where event_name = 'Page Viewed' or call_type = 'page'
    group by account_id

),

created_evidence as (

    select
        account_id,
        'visitor' as stage,
        created_at as evidence_at,
        case when account_source = 'crm' then 'crm_created' else 'account_created' end as entry_trigger,
        account_source || ':' || account_id as entry_record_id
    from accounts
    where created_at is not null

),

-- CRM stage dates: the company's own, and its contacts' rolled up ---------------------------------

crm_records as (

    select
        crm_stage_dates.crm_record_id as account_id,
        crm_stage_dates.hubspot_stage,
        crm_stage_dates.entered_at,
        'crm_company_stage_date' as entry_trigger,
        'crm_company:' || crm_stage_dates.crm_record_id || ':' || crm_stage_dates.stage_label as entry_record_id
    from crm_stage_dates
    where crm_stage_dates.object_type = 'company'
    union all
    select
        contact_companies.account_id,
        crm_stage_dates.hubspot_stage,
        crm_stage_dates.entered_at,
        'crm_contact_stage_date' as entry_trigger,
        'crm_contact:' || crm_stage_dates.crm_record_id || ':' || crm_stage_dates.stage_label as entry_record_id
    from crm_stage_dates
    inner join contact_companies on crm_stage_dates.crm_record_id = contact_companies.crm_contact_id
    where crm_stage_dates.object_type = 'contact'

),

crm_evidence as (

    select
        account_id,
        case hubspot_stage
            {%- for hubspot_stage, stage in stage_by_hubspot.items() %}
                when '{{ hubspot_stage }}' then '{{ stage }}'
            {%- endfor %}
        end as stage,
        entered_at as evidence_at,
        entry_trigger,
        entry_record_id
    from crm_records
    where hubspot_stage in {{ lifecycle_in_list(stage_by_hubspot.keys() | list) }}

),

-- customer from revenue --------------------------------------------------------------------------

first_mrr_months as (

    select
        account_id,
        min(month) as first_mrr_month
    from mrr_months
    where mrr > 0
    group by account_id

),

revenue_customer_evidence as (

    select
        first_mrr_months.account_id,
        'customer' as stage,
        coalesce(min(paid_periods.period_start_at), cast(first_mrr_months.first_mrr_month as timestamp))
            as evidence_at,
        'first_paid_period' as entry_trigger,
        coalesce(
            -- the earliest paid period; of periods starting together (an invoice's lines), the least id
            'period:' || {{ arg_min(
                'paid_periods.subscription_period_id',
                'row(paid_periods.period_start_at, paid_periods.subscription_period_id)'
            ) }},
            'mrr_month:' || cast(first_mrr_months.first_mrr_month as varchar)
        ) as entry_record_id
    from first_mrr_months
    left join paid_periods
        on first_mrr_months.account_id = paid_periods.account_id
        -- the paid periods that overlap the first month with MRR: the earliest one starts the spell
        and paid_periods.period_start_at < {{ dbt.dateadd('month', 1, 'cast(first_mrr_months.first_mrr_month as timestamp)') }}
        and (paid_periods.period_end_at is null or paid_periods.period_end_at > cast(first_mrr_months.first_mrr_month as timestamp))
    group by first_mrr_months.account_id, first_mrr_months.first_mrr_month

),

customer_at as (

    select
        account_id,
        min(evidence_at) as customer_at
    from (
        select
            account_id,
            evidence_at
        from revenue_customer_evidence
        union all
        select
            account_id,
            evidence_at
        from crm_evidence
        where stage = 'customer'
    ) as customer_evidence
    group by account_id

),

-- onboarded and adopted ---------------------------------------------------------------------------

onboarded_evidence as (

    select
        account_id,
        'onboarded' as stage,
        reached_at as evidence_at,
        'milestone:' || milestone as entry_trigger,
        'event:' || follow_up_event_id as entry_record_id
    from milestones

),

onboarding_months as (

    select
        onboarded_evidence.account_id,
        cast({{ dbt.date_trunc('month', 'greatest(onboarded_evidence.evidence_at, customer_at.customer_at)') }} as date)
            as onboarding_month
    from onboarded_evidence
    inner join customer_at on onboarded_evidence.account_id = customer_at.account_id

),

active_months as (

    select
        product_events.account_id,
        cast({{ dbt.date_trunc('month', 'product_events.occurred_at') }} as date) as month,
        min(product_events.occurred_at) as first_active_at,
        {{ arg_min('product_events.event_id', 'row(product_events.occurred_at, product_events.event_id)') }}
            as first_active_event_id
    from product_events
    where product_events.event_name in {{ lifecycle_in_list(var('lifecycle_active_events')) }}
    group by product_events.account_id, cast({{ dbt.date_trunc('month', 'product_events.occurred_at') }} as date)

),

adoption_windows as (

    select
        onboarding_months.account_id,
        count(distinct active_months.month) as months_active,
        max(active_months.first_active_at) filter (
            where active_months.month = {{ dbt.dateadd('month', var('lifecycle_adoption_months'), 'onboarding_months.onboarding_month') }}
        ) as last_window_month_active_at,
        max(active_months.first_active_event_id) filter (
            where active_months.month = {{ dbt.dateadd('month', var('lifecycle_adoption_months'), 'onboarding_months.onboarding_month') }}
        ) as last_window_month_event_id
    from onboarding_months
    inner join active_months
        on
            onboarding_months.account_id = active_months.account_id
            and onboarding_months.onboarding_month < active_months.month
            and active_months.month <= {{ dbt.dateadd('month', var('lifecycle_adoption_months'), 'onboarding_months.onboarding_month') }}
    group by onboarding_months.account_id

),

adopted_evidence as (

    select
        account_id,
        'adopted' as stage,
        last_window_month_active_at as evidence_at,
        'active_each_month' as entry_trigger,
        'event:' || last_window_month_event_id as entry_record_id
    from adoption_windows
    where months_active = {{ var('lifecycle_adoption_months') }}

),

-- retained and expanded ---------------------------------------------------------------------------

first_intervals as (

    -- the account's first paid period; a still-running period of the generic profile (no end) is
    -- billed monthly, so its first interval ends a month after it starts
    select {{ first_row_distinct('account_id') }}
        account_id,
        subscription_period_id,
        coalesce(period_end_at, {{ dbt.dateadd('month', 1, 'period_start_at') }}) as first_interval_end_at,
        cast({{ dbt.dateadd(
            'month', var('lifecycle_retained_month_offset'),
            dbt.date_trunc('month', 'coalesce(period_end_at, ' ~ dbt.dateadd('month', 1, 'period_start_at') ~ ')')
        ) }} as date) as retention_month
    from paid_periods
    {{ first_row_qualify(
        'account_id',
        'period_start_at asc, monthly_amount_local desc, period_end_at asc nulls last, subscription_period_id asc'
    ) }}

),

retained_evidence as (

    select
        first_intervals.account_id,
        'retained' as stage,
        greatest(first_intervals.first_interval_end_at, cast(first_intervals.retention_month as timestamp)) as evidence_at,
        'mrr_after_first_interval' as entry_trigger,
        'mrr_month:' || cast(first_intervals.retention_month as varchar) as entry_record_id
    from first_intervals
    inner join mrr_months
        on
            first_intervals.account_id = mrr_months.account_id
            and first_intervals.retention_month = mrr_months.month
    where mrr_months.mrr > 0

),

first_expansions as (

    select
        account_id,
        min(month) as expansion_month
    from mrr_months
    where movement = 'expansion'
    group by account_id

),

expanded_evidence as (

    select
        first_expansions.account_id,
        'expanded' as stage,
        greatest(
            cast(first_expansions.expansion_month as timestamp),
            coalesce(max(paid_periods.period_start_at), cast(first_expansions.expansion_month as timestamp))
        ) as evidence_at,
        'mrr_expansion' as entry_trigger,
        'mrr_month:' || cast(first_expansions.expansion_month as varchar) as entry_record_id
    from first_expansions
    left join paid_periods
        on
            first_expansions.account_id = paid_periods.account_id
            and {{ lifecycle_period_counts_in_month('paid_periods.period_start_at', 'paid_periods.period_end_at', 'first_expansions.expansion_month') }}
    group by first_expansions.account_id, first_expansions.expansion_month

),

-- advocate ----------------------------------------------------------------------------------------

promoter_evidence as (

    select
        account_id,
        'advocate' as stage,
        min(responded_at) as evidence_at,
        'nps_promoter' as entry_trigger,
        'response:' || {{ arg_min('response_id', 'row(responded_at, response_id)', where='responded_at is not null') }} as entry_record_id
    from promoter_responses
    group by account_id

),

referral_evidence as (

    select
        referrer_account_id as account_id,
        'advocate' as stage,
        min(referred_at) as evidence_at,
        'referral_made' as entry_trigger,
        {{ arg_min('referral_record_id', 'row(referred_at, referral_record_id)', where='referred_at is not null') }} as entry_record_id
    from referrals
    group by referrer_account_id

),

-- every piece of evidence, the earliest per account × rung -----------------------------------------

unioned as (

    select * from page_view_evidence
    union all
    select * from created_evidence
    union all
    select * from crm_evidence
    union all
    select * from revenue_customer_evidence
    union all
    select * from onboarded_evidence
    union all
    select * from adopted_evidence
    union all
    select * from retained_evidence
    union all
    select * from expanded_evidence
    union all
    select * from promoter_evidence
    union all
    select * from referral_evidence

),

ladder as (

    {{ lifecycle_stage_rows() }}

),

final as (

    select {{ first_row_distinct('unioned.account_id, unioned.stage') }}
        unioned.account_id,
        unioned.stage,
        ladder.stage_order,
        unioned.evidence_at,
        unioned.entry_trigger,
        unioned.entry_record_id
    from unioned
    inner join ladder on unioned.stage = ladder.stage
    inner join accounts on unioned.account_id = accounts.account_id
    cross join as_of
    where
        unioned.evidence_at is not null
        and unioned.evidence_at < as_of.data_end_at
    {{ first_row_qualify(
        'unioned.account_id, unioned.stage',
        'unioned.evidence_at, unioned.entry_trigger, unioned.entry_record_id'
    ) }}

)

select * from final
