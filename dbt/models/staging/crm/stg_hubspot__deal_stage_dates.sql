-- One row per HubSpot deal × deal stage entered, from the
-- `Date entered "<Deal stage> (Sales Pipeline)"` columns of the latest export of each deal.
{%- set deal_stages = ['Appointment Scheduled', 'Qualified To Buy', 'Presentation Scheduled',
    'Decision Maker Bought-In', 'Contract Sent', 'Closed Won', 'Closed Lost'] %}
with

source as (

    {{ with_export_time(source('crm', 'hubspot_deals'), 'hubspot_deals') }}

),

-- each deal's winning version, by the same rule as stg_hubspot__deals (latest `Last Modified Date`,
-- else the latest export); staging reads no other staging model, and
-- tests/staging/assert_staging_children_follow_the_winning_versions.sql checks the two agree
versions as (

    select
        *,
        trim("Record ID") as crm_deal_id,
        {{ parse_timestamp(optional_column(source('crm', 'hubspot_deals'), 'Last Modified Date')) }} as version_last_modified_at
    from source
    where nullif(trim("Record ID"), '') is not null

),

{{ winning_versions('versions', 'crm_deal_id', ['version_last_modified_at'], name='deal_rows') }},

unpivoted as (

    {% for stage in deal_stages %}
        select
            deal_rows.crm_deal_id,
            '{{ stage }}' as deal_stage,
            {{ loop.index }} as deal_stage_order,
            {{ parse_timestamp('deal_rows."Date entered ""' ~ stage ~ ' (Sales Pipeline)"""') }} as entered_at,
            deal_rows."Date entered ""{{ stage }} (Sales Pipeline)""" as entered_at_raw,
            deal_rows._source_file,
            deal_rows._row_number
        from deal_rows
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select *
    from unpivoted
    where nullif(trim(entered_at_raw), '') is not null

)

select * from final
