-- One row per Segment-style call (track, identify, group, page), fields lifted out of the JSON.
-- Incremental by export file: a run adds the rows of the files loaded since the last one, and
-- rebuilds in full when a file was removed or replaced (macros/incremental_files.sql).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_files_prepare(['product_events']) }}",
    post_hook=["{{ incremental_files_record(['product_events']) }}"],
) }}
with

source as (

    select * from {{ source('product', 'product_events') }}
    {%- if is_incremental() %}
    where _source_file in {{ incremental_new_files('product_events') }}
    {%- endif %}

),

final as (

    select
        coalesce(
            {{ json_text('record', 'messageId') }},
            _source_file || ':' || cast(_row_number as varchar)
        ) as event_id,
        lower({{ json_text('record', 'type') }}) as call_type,
        {{ json_text('record', 'event') }} as event_name,
        nullif({{ json_text('record', 'userId') }}, '') as user_id,
        nullif({{ json_text('record', 'anonymousId') }}, '') as anonymous_id,
        {{ parse_timestamp(json_text('record', 'timestamp')) }} as occurred_at,
        nullif(coalesce({{ json_text('record', 'context.groupId') }}, {{ json_text('record', 'groupId') }}), '')
            as crm_company_id,
        {{ normalize_email(
            "coalesce(" ~ json_text('record', 'context.traits.email') ~ ", " ~ json_text('record', 'traits.email') ~ ")"
        ) }} as email,
        {{ json_text('record', 'properties.feature') }} as feature,
        {{ json_text('record', 'properties.article_id') }} as article_id,
        {{ json_text('record', 'properties.path') }} as page_path,
        {{ json_get('record', 'properties') }} as properties,
        _source_file,
        _row_number,
        _loaded_at
    from source

)

select * from final
