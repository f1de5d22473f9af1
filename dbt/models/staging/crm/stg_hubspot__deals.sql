-- One row per HubSpot deal: the latest export of each Record ID.
with

source as (

    select * from {{ source('crm', 'hubspot_deals') }}

),

renamed as (

    select
        trim("Record ID") as crm_deal_id,
        nullif(trim("Deal Name"), '') as deal_name,
        nullif(trim("Pipeline"), '') as pipeline,
        nullif(trim("Deal Stage"), '') as deal_stage,
        {{ parse_number('"Amount"') }} as amount,
        {{ parse_timestamp('"Create Date"') }} as created_at,
        {{ parse_timestamp('"Close Date"') }} as closed_at,
        nullif(trim("Associated Company IDs"), '') as associated_company_ids,
        nullif(trim(split_part("Associated Company IDs", ';', 1)), '') as first_associated_company_id,
        nullif(trim("Closed Lost Reason"), '') as closed_lost_reason,
        nullif(trim("Deal Type"), '') as deal_type,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by trim("Record ID") order by {{ latest_record_order() }}
        ) as recency_rank

    from source
    where nullif(trim("Record ID"), '') is not null

),

final as (

    select * exclude (recency_rank)
    from renamed
    where recency_rank = 1

)

select * from final
