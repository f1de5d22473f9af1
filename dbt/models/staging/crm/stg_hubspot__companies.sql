-- One row per HubSpot company: of each Record ID's versions, the latest `Last Modified Date` (when the
-- export has that column), else the latest export (the file's modification time); see macros/parsing.sql.
with

source as (

    {{ with_export_time(source('crm', 'hubspot_companies'), 'hubspot_companies') }}

),

renamed as (

    select
        trim("Record ID") as crm_company_id,
        nullif(trim("Company name"), '') as company_name,
        {{ parse_timestamp('"Create Date"') }} as created_at,
        "Create Date" as created_at_raw,
        {{ normalize_domain('"Company Domain Name"') }} as domain,
        nullif(trim("Industry"), '') as industry,
        {{ parse_number('"Number of Employees"', 'bigint') }} as employees,
        nullif(trim("Country/Region"), '') as country,
        nullif(trim("Lifecycle Stage"), '') as lifecycle_stage_label,
        nullif(upper(trim("Original Source")), '') as original_source,
        -- HubSpot writes the referring site of a REFERRALS record here (optional column)
        {{ normalize_domain(optional_column(source('crm', 'hubspot_companies'), 'Original Source Drill-Down 1')) }}
            as original_source_drill_down_domain,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ parse_timestamp(optional_column(source('crm', 'hubspot_companies'), 'Last Modified Date')) }} as version_last_modified_at

    from source
    where nullif(trim("Record ID"), '') is not null

),

{{ winning_versions('renamed', 'crm_company_id', ['version_last_modified_at']) }},

final as (

    select * from winning_versions

)

select * from final
