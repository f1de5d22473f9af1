-- One row per HubSpot deal: of each Record ID's versions, the latest `Last Modified Date` (when the
-- export has that column), else the latest export (the file's modification time); see macros/parsing.sql.
with

source as (

    {{ with_export_time(source('crm', 'hubspot_deals'), 'hubspot_deals') }}

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
        _row_hash,
        _file_modified_at,
        {{ parse_timestamp(optional_column(source('crm', 'hubspot_deals'), 'Last Modified Date')) }} as version_last_modified_at

    from source
    where nullif(trim("Record ID"), '') is not null

),

{{ winning_versions('renamed', 'crm_deal_id', ['version_last_modified_at']) }},

final as (

    select * from winning_versions

)

select * from final
