-- One row per company or contact × HubSpot lifecycle stage entered, from the
-- `Date entered "<Stage> (Lifecycle Stage Pipeline)"` columns (or the legacy `Became a <Stage> Date`).
{%- set stages = var('hubspot_lifecycle_stages') %}
with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

company_rows as (

    select * from {{ source('crm', 'hubspot_companies') }}

),

contact_rows as (

    select * from {{ source('crm', 'hubspot_contacts') }}

),

unpivoted as (

    {% for object_type, rows, latest, id_column in [
        ('company', 'company_rows', 'companies', 'crm_company_id'),
        ('contact', 'contact_rows', 'contacts', 'crm_contact_id')] %}
    {% for label in stages %}
    select
        '{{ object_type }}' as object_type,
        trim({{ rows }}."Record ID") as crm_record_id,
        '{{ label }}' as stage_label,
        '{{ stages[label] }}' as hubspot_stage,
        coalesce(
            {{ parse_timestamp(rows ~ '."Date entered ""' ~ label ~ ' (Lifecycle Stage Pipeline)"""') }},
            {{ parse_timestamp(rows ~ '."Became a ' ~ label ~ ' Date"') }}
        ) as entered_at,
        coalesce(
            {{ rows }}."Date entered ""{{ label }} (Lifecycle Stage Pipeline)""",
            {{ rows }}."Became a {{ label }} Date"
        ) as entered_at_raw
    from {{ rows }}
    inner join {{ latest }}
        on trim({{ rows }}."Record ID") = {{ latest }}.{{ id_column }}
        and {{ rows }}._source_file = {{ latest }}._source_file
        and {{ rows }}._row_number = {{ latest }}._row_number
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
