-- One row per company or contact × HubSpot lifecycle stage entered, from the
-- `Date entered "<Stage> (Lifecycle Stage Pipeline)"` columns (or the legacy `Became a <Stage> Date`).
{%- set stages = var('hubspot_lifecycle_stages') %}
with

company_source as (

    {{ with_export_time(source('crm', 'hubspot_companies'), 'hubspot_companies') }}

),

contact_source as (

    {{ with_export_time(source('crm', 'hubspot_contacts'), 'hubspot_contacts') }}

),

-- each record's winning version, by the same rule as stg_hubspot__companies and
-- stg_hubspot__contacts (latest `Last Modified Date`, else the latest export); staging reads no
-- other staging model, and tests/staging/assert_staging_children_follow_the_winning_versions.sql
-- checks they agree
company_versions as (

    select
        *,
        trim("Record ID") as crm_record_id,
        {{ parse_timestamp(optional_column(source('crm', 'hubspot_companies'), 'Last Modified Date')) }} as version_last_modified_at
    from company_source
    where nullif(trim("Record ID"), '') is not null

),

contact_versions as (

    select
        *,
        trim("Record ID") as crm_record_id,
        {{ parse_timestamp(optional_column(source('crm', 'hubspot_contacts'), 'Last Modified Date')) }} as version_last_modified_at
    from contact_source
    where nullif(trim("Record ID"), '') is not null

),

{{ winning_versions('company_versions', 'crm_record_id', ['version_last_modified_at'], name='company_rows') }},

{{ winning_versions('contact_versions', 'crm_record_id', ['version_last_modified_at'], name='contact_rows') }},

unpivoted as (

    {% for object_type, rows in [('company', 'company_rows'), ('contact', 'contact_rows')] %}
    {% for label in stages %}
    select
        '{{ object_type }}' as object_type,
        {{ rows }}.crm_record_id,
        '{{ label }}' as stage_label,
        '{{ stages[label] }}' as hubspot_stage,
        coalesce(
            {{ parse_timestamp(rows ~ '."Date entered ""' ~ label ~ ' (Lifecycle Stage Pipeline)"""') }},
            {{ parse_timestamp(rows ~ '."Became a ' ~ label ~ ' Date"') }}
        ) as entered_at,
        coalesce(
            {{ rows }}."Date entered ""{{ label }} (Lifecycle Stage Pipeline)""",
            {{ rows }}."Became a {{ label }} Date"
        ) as entered_at_raw,
        {{ rows }}._source_file,
        {{ rows }}._row_number
    from {{ rows }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select *
    from unpivoted
    where nullif(trim(entered_at_raw), '') is not null

)

select * from final
