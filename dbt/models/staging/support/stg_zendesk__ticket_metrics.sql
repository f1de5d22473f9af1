-- One row per Zendesk ticket's metrics, as the tool computed them (calendar and business minutes).
-- Of each id's versions, the latest `updated_at` wins, then the latest export (macros/parsing.sql).
-- Incremental by export file: a run recomputes the tickets whose id is in a file loaded since the
-- last one (from all their versions), and rebuilds in full when a file was removed or replaced
-- (macros/incremental_files.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_files_prepare(['zendesk_ticket_metrics']) }}",
    post_hook=["{{ incremental_files_record(['zendesk_ticket_metrics']) }}"],
) }}
with
{% if is_incremental() %}
changed_tickets as (

    select {{ json_text('record', 'ticket_id') }} as ticket_id
    from {{ source('support', 'zendesk_ticket_metrics') }}
    where _source_file in {{ incremental_new_files('zendesk_ticket_metrics') }}

),
{% endif %}

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
    {%- if is_incremental() %}
    where {{ json_text('record', 'ticket_id') }} in (select ticket_id from changed_tickets)
    {%- endif %}

),

{{ winning_versions('renamed', 'ticket_id', ['version_updated_at']) }},

final as (

    select * from winning_versions

)

select * from final
