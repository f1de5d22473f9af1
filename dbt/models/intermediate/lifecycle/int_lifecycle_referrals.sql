-- One row per referral made: who referred (referrer_account_id), whom (referred_account_id, when
-- known) and when. Two kinds of records say a referral was made:
--   * a CRM company or contact whose Original Source is REFERRALS and whose `Original Source
--     Drill-Down 1` (HubSpot writes the referring site there) is another company's domain;
--   * a product event named in var lifecycle_referral_events (e.g. Referral Sent), by the referrer;
--     its `properties.referred_company_id`, when it is a CRM company, names the referred account.
-- Exports without these columns or events simply have no referrals.
with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

domains as (

    select * from {{ ref('int_identity__domains') }}

),

contact_companies as (

    select * from {{ ref('int_lifecycle_contact_companies') }}

),

events as (

    select * from {{ ref('int_product_events') }}
    where
        account_id is not null
        and event_name in {{ lifecycle_in_list(var('lifecycle_referral_events')) }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

company_referrals as (

    select
        companies.crm_company_id as referred_account_id,
        companies.created_at as referred_at,
        companies.original_source_drill_down_domain as referrer_domain,
        'crm_company:' || companies.crm_company_id as referral_record_id
    from companies
    where companies.original_source = 'REFERRALS'

),

contact_referrals as (

    select
        contact_companies.account_id as referred_account_id,
        contacts.created_at as referred_at,
        contacts.original_source_drill_down_domain as referrer_domain,
        'crm_contact:' || contacts.crm_contact_id as referral_record_id
    from contacts
    inner join contact_companies on contacts.crm_contact_id = contact_companies.crm_contact_id
    where contacts.original_source = 'REFERRALS'

),

crm_referrals as (

    select
        domains.crm_company_id as referrer_account_id,
        referrals.referred_account_id,
        referrals.referred_at,
        'crm_original_source' as referral_source,
        referrals.referral_record_id
    from (
        select * from company_referrals
        union all
        select * from contact_referrals
    ) as referrals
    inner join domains on referrals.referrer_domain = domains.domain
    where domains.crm_company_id != referrals.referred_account_id

),

event_referrals as (

    select
        events.account_id as referrer_account_id,
        companies.crm_company_id as referred_account_id,
        events.occurred_at as referred_at,
        'product_event' as referral_source,
        'event:' || events.event_id as referral_record_id
    from events
    left join companies
        on {{ json_text('events.properties', 'referred_company_id') }} = companies.crm_company_id

),

unioned as (

    select * from crm_referrals
    union all
    select * from event_referrals

),

final as (

    -- a referred account counts once per referrer (its company and its contacts may all say so)
    select {{ first_row_distinct('unioned.referrer_account_id, coalesce(unioned.referred_account_id, unioned.referral_record_id)') }}
        unioned.referrer_account_id,
        unioned.referred_account_id,
        unioned.referred_at,
        unioned.referral_source,
        unioned.referral_record_id
    from unioned
    cross join as_of
    where
        unioned.referred_at is not null
        and unioned.referred_at < {{ dbt.dateadd('month', 1, 'cast(as_of.as_of_month as timestamp)') }}
    {{ first_row_qualify(
        'unioned.referrer_account_id, coalesce(unioned.referred_account_id, unioned.referral_record_id)',
        'unioned.referred_at, unioned.referral_record_id'
    ) }}

)

select * from final
