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
        {{ split_lower_nonempty("regexp_replace(coalesce(" ~ generic_column(mapping, 'tags') ~ ", ''), '[,;]', ' ', 'g')", ' ') }} as tags,
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

    select {{ first_row_distinct('ticket_id') }} *
    from renamed
    where ticket_id is not null
    {{ first_row_qualify('ticket_id', latest_record_order()) }}

)

select * from final
