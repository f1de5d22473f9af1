-- One row per ticket of the generic profile (your tickets.csv), columns picked by mapping.yml;
-- durations in minutes (a column in hours, seconds or days converted by its declared unit).
-- A solve time before creation or before var quality_min_plausible_date is null (macros/parsing.sql).
{%- set mapping = generic_mapping('tickets') %}
with

source as (

    select * from {{ source('generic', 'generic_tickets') }}

),

renamed as (

    select
        nullif(trim({{ generic_column(mapping, 'ticket_id') }}), '') as ticket_id,
        nullif(trim({{ generic_column(mapping, 'account_id') }}), '') as account_id,
        {{ parse_timestamp(generic_column(mapping, 'created_at')) }} as created_at,
        {{ plausible_time(parse_timestamp(generic_column(mapping, 'solved_at')), parse_timestamp(generic_column(mapping, 'created_at'))) }}
            as solved_at,
        lower(nullif(trim({{ generic_column(mapping, 'status') }}), '')) as status,
        lower(nullif(trim({{ generic_column(mapping, 'priority') }}), '')) as priority,
        lower(nullif(trim({{ generic_column(mapping, 'channel') }}), '')) as channel,
        list_filter(
            list_transform(
                string_split(regexp_replace(coalesce({{ generic_column(mapping, 'tags') }}, ''), '[,;]', ' ', 'g'), ' '),
                lambda tag: lower(trim(tag))
            ),
            lambda tag: tag <> ''
        ) as tags,
        {{ generic_number(mapping, 'first_reply_minutes') }} as first_reply_minutes,
        {{ generic_number(mapping, 'first_reply_business_minutes') }} as first_reply_business_minutes,
        {{ generic_number(mapping, 'full_resolution_minutes') }} as full_resolution_minutes,
        lower(nullif(trim({{ generic_column(mapping, 'csat') }}), '')) as satisfaction_score_raw,
        {{ normalize_email(generic_column(mapping, 'email')) }} as requester_email,
        _source_file,
        _row_number,
        _loaded_at
    from source

),

final as (

    select *
    from renamed
    where ticket_id is not null
    qualify row_number() over (partition by ticket_id order by {{ latest_record_order() }}) = 1

)

select * from final
