-- One row per Zendesk organization; `external_id` carries the CRM company id when set.
-- Of each id's versions, the latest `updated_at` wins, then the latest export (macros/parsing.sql).
with

source as (

    {{ with_export_time(source('support', 'zendesk_organizations'), 'zendesk_organizations') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as zendesk_organization_id,
        {{ json_text('record', 'name') }} as organization_name,
        {{ json_string_list('record', 'domain_names', 'domain', normalize_domain('domain')) }} as domain_names,
        nullif(trim({{ json_text('record', 'external_id') }}), '') as crm_company_id,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ parse_timestamp(json_text('record', 'updated_at')) }} as version_updated_at
    from source

),

{{ winning_versions('renamed', 'zendesk_organization_id', ['version_updated_at']) }},

final as (

    select * from winning_versions

)

select * from final
