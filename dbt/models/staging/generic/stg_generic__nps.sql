-- One row per survey response of the generic profile (your nps.csv), columns picked by mapping.yml.
{%- set mapping = generic_mapping('nps') %}
with

source as (

    select * from {{ source('generic', 'generic_nps') }}

),

renamed as (

    select
        nullif(trim({{ generic_column(mapping, 'response_id') }}), '') as response_id,
        {{ normalize_email(generic_column(mapping, 'email')) }} as email,
        {{ try_cast('trim(' ~ generic_column(mapping, 'score') ~ ')', 'integer') }} as score,
        {{ generic_column(mapping, 'score') }} as score_raw,
        {{ parse_timestamp(generic_column(mapping, 'responded_at')) }} as responded_at,
        {{ generic_column(mapping, 'responded_at') }} as responded_at_raw,
        nullif({{ generic_column(mapping, 'comment') }}, '') as comment,
        nullif(lower(trim({{ generic_column(mapping, 'survey_type') }})), '') as survey_type,
        coalesce(nullif(lower(trim({{ generic_column(mapping, 'survey_type') }})), ''), 'nps') = 'nps' as is_nps,
        nullif(trim({{ generic_column(mapping, 'account_id') }}), '') as account_id,
        _source_file,
        _row_number,
        _loaded_at
    from source

),

final as (

    select {{ first_row_distinct('response_id') }} *
    from renamed
    where response_id is not null
    {{ first_row_qualify('response_id', latest_record_order()) }}

)

select * from final
