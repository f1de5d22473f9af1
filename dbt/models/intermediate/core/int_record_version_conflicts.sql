-- One row per record (raw table × id) that arrived in several files with different content: which
-- version was kept, the best version that lost, and the key that decided (issue 10, item 3). The
-- record's own version decides (macros/parsing.sql, winning_versions): decided_by names the staging
-- version key (version_status, version_created, version_updated_at, version_last_modified_at), or
-- export_time (the files' modification times) or content_hash (a deterministic last resort: the two
-- versions carry no version that tells them apart; check which file is right).
-- The singular test tests/staging/assert_record_versions_agree warns with the count on every build.
{# (raw table, staging model, the record's id column): every staging model that picks versions #}
{%- set versioned_models = [
    ('stripe_customers', 'stg_stripe__customers', 'stripe_customer_id'),
    ('stripe_subscriptions', 'stg_stripe__subscriptions', 'stripe_subscription_id'),
    ('stripe_invoices', 'stg_stripe__invoices', 'stripe_invoice_id'),
    ('hubspot_companies', 'stg_hubspot__companies', 'crm_company_id'),
    ('hubspot_contacts', 'stg_hubspot__contacts', 'crm_contact_id'),
    ('hubspot_deals', 'stg_hubspot__deals', 'crm_deal_id'),
    ('zendesk_tickets', 'stg_zendesk__tickets', 'ticket_id'),
    ('zendesk_ticket_metrics', 'stg_zendesk__ticket_metrics', 'ticket_id'),
    ('zendesk_organizations', 'stg_zendesk__organizations', 'zendesk_organization_id'),
    ('zendesk_users', 'stg_zendesk__users', 'zendesk_user_id'),
] %}
with
unioned as (
{% for raw_table, model, id_column in versioned_models %}
    select
        '{{ raw_table }}' as raw_table,
        {{ id_column }} as record_id,
        _versions_seen as versions_seen,
        _source_file as kept_source_file,
        _row_number as kept_row_number,
        _superseded_source_file as superseded_source_file,
        _superseded_row_number as superseded_row_number,
        _version_decided_by as decided_by
    from {{ ref(model) }}
    where _versions_seen > 1
    {{ "union all" if not loop.last }}
{% endfor %}
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
