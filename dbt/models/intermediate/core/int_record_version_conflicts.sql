-- One row per record (raw table × id) that arrived in several files with different content: which
-- version was kept, the best version that lost, and the key that decided (issue 10, item 3). The
-- record's own version decides (macros/parsing.sql, winning_versions): decided_by names the staging
-- version key (version_status, version_created, version_updated_at, version_last_modified_at), or
-- export_time (the files' modification times) or content_hash (a deterministic last resort: the two
-- versions carry no version that tells them apart; check which file is right).
-- The singular test tests/staging/assert_record_versions_agree warns with the count on every build.
with
stripe_customers as (

    select
        'stripe_customers' as raw_table,
        stripe_customer_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_stripe__customers') }}
    where _versions_seen > 1

),

stripe_subscriptions as (

    select
        'stripe_subscriptions' as raw_table,
        stripe_subscription_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_stripe__subscriptions') }}
    where _versions_seen > 1

),

stripe_invoices as (

    select
        'stripe_invoices' as raw_table,
        stripe_invoice_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_stripe__invoices') }}
    where _versions_seen > 1

),

hubspot_companies as (

    select
        'hubspot_companies' as raw_table,
        crm_company_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_hubspot__companies') }}
    where _versions_seen > 1

),

hubspot_contacts as (

    select
        'hubspot_contacts' as raw_table,
        crm_contact_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_hubspot__contacts') }}
    where _versions_seen > 1

),

hubspot_deals as (

    select
        'hubspot_deals' as raw_table,
        crm_deal_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_hubspot__deals') }}
    where _versions_seen > 1

),

zendesk_tickets as (

    select
        'zendesk_tickets' as raw_table,
        ticket_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_zendesk__tickets') }}
    where _versions_seen > 1

),

zendesk_ticket_metrics as (

    select
        'zendesk_ticket_metrics' as raw_table,
        ticket_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_zendesk__ticket_metrics') }}
    where _versions_seen > 1

),

zendesk_organizations as (

    select
        'zendesk_organizations' as raw_table,
        zendesk_organization_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_zendesk__organizations') }}
    where _versions_seen > 1

),

zendesk_users as (

    select
        'zendesk_users' as raw_table,
        zendesk_user_id as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref('stg_zendesk__users') }}
    where _versions_seen > 1

),

unioned as (

    select * from stripe_customers
    union all
    select * from stripe_subscriptions
    union all
    select * from stripe_invoices
    union all
    select * from hubspot_companies
    union all
    select * from hubspot_contacts
    union all
    select * from hubspot_deals
    union all
    select * from zendesk_tickets
    union all
    select * from zendesk_ticket_metrics
    union all
    select * from zendesk_organizations
    union all
    select * from zendesk_users

),

final as (

    select
        *,
        'kept ' || kept_source_file || ' row ' || kept_row_number
        || ' over ' || superseded_source_file || ' row ' || superseded_row_number
        || ' (' || versions_seen || ' versions), decided by ' || decided_by as explanation
    from unioned

)

select * from final
