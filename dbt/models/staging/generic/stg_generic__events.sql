-- One row per product event of the generic profile (your events.csv), columns picked by mapping.yml.
-- An event keyed by subscription carries subscription_id (intermediate joins it to its account); an
-- event name the file lacks can be a constant of the mapping.
{%- set mapping = generic_mapping('events') %}
with

source as (

    select * from {{ source('generic', 'generic_events') }}

),

final as (

    select
        'generic:' || _source_file || ':' || cast(_row_number as varchar) as event_id,
        nullif(trim({{ generic_column(mapping, 'account_id') }}), '') as account_id,
        nullif(trim({{ generic_column(mapping, 'subscription_id') }}), '') as subscription_id,
        nullif(trim({{ generic_column(mapping, 'event') }}), '') as event_name,
        nullif(trim({{ generic_column(mapping, 'user_id') }}), '') as user_id,
        {{ parse_timestamp(generic_column(mapping, 'timestamp')) }} as occurred_at,
        {{ normalize_email(generic_column(mapping, 'email')) }} as email,
        nullif(trim({{ generic_column(mapping, 'feature') }}), '') as feature,
        nullif(trim({{ generic_column(mapping, 'article_id') }}), '') as article_id,
        nullif(trim({{ generic_column(mapping, 'path') }}), '') as page_path,
        _source_file,
        _row_number,
        _loaded_at
    from source

)

select * from final
