-- One row per Zendesk ticket's metrics, as the tool computed them (calendar and business minutes).
-- Of each id's versions, the latest `updated_at` wins, then the latest export (macros/parsing.sql).
with

source as (

    {{ with_export_time(source('support', 'zendesk_ticket_metrics'), 'zendesk_ticket_metrics') }}

),

renamed as (

    select
        {{ json_text('record', 'ticket_id') }} as ticket_id,
        {{ try_cast(json_text('record', 'reply_time_in_minutes.calendar'), 'double') }} as first_reply_minutes,
        {{ try_cast(json_text('record', 'reply_time_in_minutes.business'), 'double') }}
            as first_reply_business_minutes,
        {{ try_cast(json_text('record', 'first_resolution_time_in_minutes.calendar'), 'double') }}
            as first_resolution_minutes,
        {{ try_cast(json_text('record', 'first_resolution_time_in_minutes.business'), 'double') }}
            as first_resolution_business_minutes,
        {{ try_cast(json_text('record', 'full_resolution_time_in_minutes.calendar'), 'double') }}
            as full_resolution_minutes,
        {{ try_cast(json_text('record', 'full_resolution_time_in_minutes.business'), 'double') }}
            as full_resolution_business_minutes,
        {{ try_cast(json_text('record', 'reopens'), 'integer') }} as reopens,
        {{ try_cast(json_text('record', 'replies'), 'integer') }} as replies,
        {{ plausible_time(parse_timestamp(json_text('record', 'solved_at'))) }} as solved_at,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ parse_timestamp(json_text('record', 'updated_at')) }} as version_updated_at
    from source

),

{{ winning_versions('renamed', 'ticket_id', ['version_updated_at']) }},

final as (

    select * from winning_versions

)

select * from final
