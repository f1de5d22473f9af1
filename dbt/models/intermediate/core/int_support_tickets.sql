-- One row per ticket, resolved to an account: the organization's external_id (CRM company id),
-- else the requester's email (contact match, then domain), else the organization's domain.
-- Tickets of the generic profile (tickets.csv) carry their account directly. Intercom conversations
-- (stg_intercom__conversations) resolve by their Company ID (when it is a CRM company id), else the
-- user's email, as Zendesk tickets do.
with

tickets as (

    select * from {{ ref('stg_zendesk__tickets') }}

),

metrics as (

    select * from {{ ref('stg_zendesk__ticket_metrics') }}

),

organizations as (

    select * from {{ ref('stg_zendesk__organizations') }}

),

users as (

    select * from {{ ref('stg_zendesk__users') }}

),

organizations_by_name as (

    select organization_name, {{ any_value('zendesk_organization_id') }} as zendesk_organization_id
    from organizations
    group by organization_name
    having count(*) = 1

),

records as (

    select
        {{ star_except_relation(ref('stg_zendesk__tickets'), [
            'solved_at', 'reopens', 'replies', 'first_reply_minutes', 'first_reply_business_minutes',
            'first_resolution_minutes', 'first_resolution_business_minutes', 'full_resolution_minutes',
            'full_resolution_business_minutes', 'zendesk_organization_id'
        ], relation_alias='tickets') }},
        coalesce(tickets.zendesk_organization_id, organizations_by_name.zendesk_organization_id)
            as zendesk_organization_id,
        -- a solve before the ticket's creation cannot be real: null (staging nulls the implausible dates)
        {{ plausible_time('coalesce(metrics.solved_at, tickets.solved_at)', 'tickets.created_at') }} as solved_at,
        coalesce(metrics.reopens, tickets.reopens) as reopens,
        coalesce(metrics.replies, tickets.replies) as replies,
        coalesce(metrics.first_reply_minutes, tickets.first_reply_minutes) as first_reply_minutes,
        coalesce(metrics.first_reply_business_minutes, tickets.first_reply_business_minutes)
            as first_reply_business_minutes,
        coalesce(metrics.first_resolution_minutes, tickets.first_resolution_minutes) as first_resolution_minutes,
        coalesce(metrics.first_resolution_business_minutes, tickets.first_resolution_business_minutes)
            as first_resolution_business_minutes,
        coalesce(metrics.full_resolution_minutes, tickets.full_resolution_minutes) as full_resolution_minutes,
        coalesce(metrics.full_resolution_business_minutes, tickets.full_resolution_business_minutes)
            as full_resolution_business_minutes
    from tickets
    left join metrics on tickets.ticket_id = metrics.ticket_id
    left join organizations_by_name on tickets.organization_name = organizations_by_name.organization_name

),

with_identity as (

    select
        records.*,
        organizations.crm_company_id as carried_company_id,
        coalesce(records.requester_email, users.email) as email,
        organizations.domain_names[1] as record_domain
    from records
    left join organizations on records.zendesk_organization_id = organizations.zendesk_organization_id
    left join users on records.zendesk_requester_id = users.zendesk_user_id

),

resolved as (

    {{ resolve_account('with_identity') }}

),

generic_tickets as (

    -- the generic profile names the account directly
    select
        *,
        'generic' as source_shape,
        requester_email as email,
        account_id as carried_company_id,
        'generic' as match_method
    from {{ ref('stg_generic__tickets') }}

),

intercom_records as (

    select
        {{ star_except_relation(ref('stg_intercom__conversations'), ['intercom_company_id']) }},
        intercom_company_id as carried_company_id,
        requester_email as email,
        cast(null as varchar) as record_domain
    from {{ ref('stg_intercom__conversations') }}

),

intercom_resolved as (

    {{ resolve_account('intercom_records') }}

),

final as (

    {{ union_all_by_name_many([
        ['resolved', relation_column_names(ref('stg_zendesk__tickets')) + ['carried_company_id', 'email', 'record_domain', 'account_id', 'match_method', 'unmatched_reason']],
        ['generic_tickets', relation_column_names(ref('stg_generic__tickets')) + ['source_shape', 'email', 'carried_company_id', 'match_method']],
        ['intercom_resolved', relation_column_names(ref('stg_intercom__conversations')) | reject('equalto', 'intercom_company_id') | list
            + ['carried_company_id', 'email', 'record_domain', 'account_id', 'match_method', 'unmatched_reason']]
    ]) }}

)

select * from final
