-- One row per HubSpot contact: the latest export of each Record ID.
with

source as (

    select * from {{ source('crm', 'hubspot_contacts') }}

),

renamed as (

    select
        trim("Record ID") as crm_contact_id,
        {{ normalize_email('"Email"') }} as email,
        nullif(trim("First Name"), '') as first_name,
        nullif(trim("Last Name"), '') as last_name,
        {{ parse_timestamp('"Create Date"') }} as created_at,
        "Create Date" as created_at_raw,
        nullif(trim("Lifecycle Stage"), '') as lifecycle_stage_label,
        nullif(trim("Associated Company IDs"), '') as associated_company_ids,
        nullif(trim(split_part("Associated Company IDs", ';', 1)), '') as first_associated_company_id,
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
