-- One row per Zendesk user (end-users request tickets; agents answer them).
-- Of each id's versions, the latest `updated_at` wins, then the latest export (macros/parsing.sql).
with

source as (

    {{ with_export_time(source('support', 'zendesk_users'), 'zendesk_users') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as zendesk_user_id,
        {{ normalize_email(json_text('record', 'email')) }} as email,
        {{ json_text('record', 'organization_id') }} as zendesk_organization_id,
        lower({{ json_text('record', 'role') }}) as role,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ parse_timestamp(json_text('record', 'updated_at')) }} as version_updated_at
    from source

),

{{ winning_versions('renamed', 'zendesk_user_id', ['version_updated_at']) }},

final as (

    select * from winning_versions

)

select * from final
