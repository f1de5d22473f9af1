-- One row per HubSpot company: the latest export of each Record ID.
with

source as (

    select * from {{ source('crm', 'hubspot_companies') }}

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
