-- One row per Zendesk organization; `external_id` carries the CRM company id when set.
with

source as (

    select * from {{ source('support', 'zendesk_organizations') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as zendesk_organization_id,
        {{ json_text('record', 'name') }} as organization_name,
        list_transform(
            coalesce(try_cast(record -> '$.domain_names' as varchar[]), []),
            lambda domain: {{ normalize_domain('domain') }}
        ) as domain_names,
        nullif(trim({{ json_text('record', 'external_id') }}), '') as crm_company_id,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by {{ json_text('record', 'id') }} order by {{ latest_record_order() }}
        ) as recency_rank
    from source

),

final as (

    select * exclude (recency_rank)
    from renamed
    where recency_rank = 1

)

select * from final
