-- One row per HubSpot deal × deal stage entered, from the
-- `Date entered "<Deal stage> (Sales Pipeline)"` columns of the latest export of each deal.
{%- set deal_stages = ['Appointment Scheduled', 'Qualified To Buy', 'Presentation Scheduled',
    'Decision Maker Bought-In', 'Contract Sent', 'Closed Won', 'Closed Lost'] %}
with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

deal_rows as (

    select * from {{ source('crm', 'hubspot_deals') }}

),

unpivoted as (

    {% for stage in deal_stages %}
        select
            trim(deal_rows."Record ID") as crm_deal_id,
            '{{ stage }}' as deal_stage,
            {{ loop.index }} as deal_stage_order,
            {{ parse_timestamp('deal_rows."Date entered ""' ~ stage ~ ' (Sales Pipeline)"""') }} as entered_at,
            deal_rows."Date entered ""{{ stage }} (Sales Pipeline)""" as entered_at_raw
        from deal_rows
        inner join deals
            on
                trim(deal_rows."Record ID") = deals.crm_deal_id
                and deal_rows._source_file = deals._source_file
                and deal_rows._row_number = deals._row_number
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select *
    from unpivoted
    where nullif(trim(entered_at_raw), '') is not null

)

select * from final
