-- One row per Zendesk ticket, from both shapes the tool exports: API ticket objects (JSON lines)
-- and the UI CSV export (which often carries only some columns). When a ticket is in both, the
-- API object wins for its own fields and the CSV fills what the API object lacks. Within a shape, of
-- a ticket's versions the latest `updated_at` wins, then the latest export (macros/parsing.sql).
-- A `Solved at` before the ticket's creation or before var quality_min_plausible_date (Zendesk
-- writes 1900-01-01 for unsolved tickets) is null here; the raw suite warns naming the rows.
-- Incremental by export file: a run recomputes the tickets whose id is in a file loaded since the
-- last one (from all their versions, so the same version wins as in a full build), and rebuilds in
-- full when a file was removed or replaced (macros/incremental_files.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_id',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_files_prepare(['zendesk_tickets', 'zendesk_tickets_csv']) }}",
    post_hook=[
        "{{ incremental_files_record(['zendesk_tickets', 'zendesk_tickets_csv']) }}",
    ],
) }}
with
{% if is_incremental() %}
changed_tickets as (

    select {{ json_text('record', 'id') }} as ticket_id
    from {{ source('support', 'zendesk_tickets') }}
    where _source_file in {{ incremental_new_files('zendesk_tickets') }}
    union
    select trim("Id") as ticket_id
    from {{ source('support', 'zendesk_tickets_csv') }}
    where _source_file in {{ incremental_new_files('zendesk_tickets_csv') }}

),
{% endif %}

api_source as (

    {{ with_export_time(source('support', 'zendesk_tickets'), 'zendesk_tickets') }}

),

csv_source as (

    {{ with_export_time(source('support', 'zendesk_tickets_csv'), 'zendesk_tickets_csv') }}

),

api_tickets as (

    select
        {{ json_text('record', 'id') }} as ticket_id,
        {{ parse_timestamp(json_text('record', 'created_at')) }} as created_at,
        {{ parse_timestamp(json_text('record', 'updated_at')) }} as updated_at,
        cast(null as timestamp) as solved_at,
        lower({{ json_text('record', 'status') }}) as status,
        lower({{ json_text('record', 'priority') }}) as priority,
        lower({{ json_text('record', 'type') }}) as ticket_type,
        {{ json_text('record', 'subject') }} as subject,
        {{ json_string_list('record', 'tags', 'tag', 'lower(trim(tag))') }} as tags,
        lower({{ json_text('record', 'via.channel') }}) as channel,
        {{ json_text('record', 'requester_id') }} as zendesk_requester_id,
        cast(null as varchar) as requester_email,
        {{ json_text('record', 'organization_id') }} as zendesk_organization_id,
        cast(null as varchar) as organization_name,
        {{ json_text('record', 'group_id') }} as group_name,
        lower({{ json_text('record', 'satisfaction_rating.score') }}) as satisfaction_score_raw,
        cast(null as integer) as reopens,
        cast(null as integer) as replies,
        cast(null as double) as first_reply_minutes,
        cast(null as double) as first_reply_business_minutes,
        cast(null as double) as first_resolution_minutes,
        cast(null as double) as first_resolution_business_minutes,
        cast(null as double) as full_resolution_minutes,
        cast(null as double) as full_resolution_business_minutes,
        'api' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ parse_timestamp(json_text('record', 'updated_at')) }} as version_updated_at
    from api_source
    {%- if is_incremental() %}
    where {{ json_text('record', 'id') }} in (select ticket_id from changed_tickets)
    {%- endif %}

),

csv_tickets as (

    select
        trim("Id") as ticket_id,
        {{ parse_timestamp('"Created at"') }} as created_at,
        cast(null as timestamp) as updated_at,
        {{ plausible_time(parse_timestamp('"Solved at"'), parse_timestamp('"Created at"')) }} as solved_at,
        lower(nullif(trim("Status"), '')) as status,
        lower(nullif(trim("Priority"), '')) as priority,
        cast(null as varchar) as ticket_type,
        cast(null as varchar) as subject,
        {{ split_lower_nonempty('coalesce("Tags", ' ~ "'')", ' ') }} as tags,
        lower(nullif(trim("Via"), '')) as channel,
        nullif(trim("Requester id"), '') as zendesk_requester_id,
        {{ normalize_email('"Requester email"') }} as requester_email,
        cast(null as varchar) as zendesk_organization_id,
        nullif(trim("Organization"), '') as organization_name,
        nullif(trim("Group"), '') as group_name,
        lower(nullif(trim("Satisfaction Score"), '')) as satisfaction_score_raw,
        {{ parse_number('"Reopens"', 'integer') }} as reopens,
        {{ parse_number('"Replies"', 'integer') }} as replies,
        {{ parse_number('"First reply time in minutes"') }} as first_reply_minutes,
        {{ parse_number('"First reply time in minutes within business hours"') }} as first_reply_business_minutes,
        {{ parse_number('"First resolution time in minutes"') }} as first_resolution_minutes,
        {{ parse_number('"First resolution time in minutes within business hours"') }}
            as first_resolution_business_minutes,
        {{ parse_number('"Full resolution time in minutes"') }} as full_resolution_minutes,
        {{ parse_number('"Full resolution time in minutes within business hours"') }}
            as full_resolution_business_minutes,
        'csv' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ parse_timestamp(optional_column(source('support', 'zendesk_tickets_csv'), 'Updated at')) }}
            as version_updated_at
    from csv_source
    where nullif(trim("Id"), '') is not null
    {%- if is_incremental() %}
        and trim("Id") in (select ticket_id from changed_tickets)
    {%- endif %}

),

{{ winning_versions('api_tickets', 'ticket_id', ['version_updated_at'], name='api_versions') }},

{{ winning_versions('csv_tickets', 'ticket_id', ['version_updated_at'], name='csv_versions') }},

unioned as (

    select * from api_versions
    {{ union_all_by_name() }}
    select * from csv_versions

),

ranked as (

    select
        *,
        row_number() over (
            partition by ticket_id order by case source_shape when 'api' then 0 else 1 end
        ) as shape_rank
    from unioned

),

csv_fill as (

    select * from csv_versions

),

final as (

    select
        ranked.ticket_id,
        ranked.created_at,
        ranked.updated_at,
        coalesce(ranked.solved_at, csv_fill.solved_at) as solved_at,
        ranked.status,
        coalesce(ranked.priority, csv_fill.priority) as priority,
        ranked.ticket_type,
        ranked.subject,
        ranked.tags,
        coalesce(ranked.channel, csv_fill.channel) as channel,
        ranked.zendesk_requester_id,
        coalesce(ranked.requester_email, csv_fill.requester_email) as requester_email,
        ranked.zendesk_organization_id,
        coalesce(ranked.organization_name, csv_fill.organization_name) as organization_name,
        ranked.group_name,
        ranked.satisfaction_score_raw,
        coalesce(ranked.reopens, csv_fill.reopens) as reopens,
        coalesce(ranked.replies, csv_fill.replies) as replies,
        coalesce(ranked.first_reply_minutes, csv_fill.first_reply_minutes) as first_reply_minutes,
        coalesce(ranked.first_reply_business_minutes, csv_fill.first_reply_business_minutes)
            as first_reply_business_minutes,
        coalesce(ranked.first_resolution_minutes, csv_fill.first_resolution_minutes) as first_resolution_minutes,
        coalesce(ranked.first_resolution_business_minutes, csv_fill.first_resolution_business_minutes)
            as first_resolution_business_minutes,
        coalesce(ranked.full_resolution_minutes, csv_fill.full_resolution_minutes) as full_resolution_minutes,
        coalesce(ranked.full_resolution_business_minutes, csv_fill.full_resolution_business_minutes)
            as full_resolution_business_minutes,
        ranked.source_shape,
        ranked._source_file,
        ranked._row_number,
        ranked._loaded_at,
        ranked._versions_seen,
        ranked._superseded_source_file,
        ranked._superseded_row_number,
        ranked._version_decided_by
    from ranked
    left join csv_fill
        on ranked.ticket_id = csv_fill.ticket_id
        and ranked.source_shape = 'api'
    where ranked.shape_rank = 1

)

select * from final
