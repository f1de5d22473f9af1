-- One row per account of the generic profile (your accounts.csv), columns picked by mapping.yml.
{%- set mapping = generic_mapping('accounts') %}
with

source as (

    select * from {{ source('generic', 'generic_accounts') }}

),

renamed as (

    select
        nullif(trim({{ generic_column(mapping, 'account_id') }}), '') as account_id,
        nullif(trim({{ generic_column(mapping, 'name') }}), '') as account_name,
        {{ parse_timestamp(generic_column(mapping, 'created_at')) }} as created_at,
        {{ generic_number(mapping, 'employees', 'bigint') }} as employees,
        {{ normalize_domain(generic_column(mapping, 'domain')) }} as domain,
        nullif(trim({{ generic_column(mapping, 'industry') }}), '') as industry,
        nullif(trim({{ generic_column(mapping, 'country') }}), '') as country,
        nullif(upper(trim({{ generic_column(mapping, 'source') }})), '') as original_source,
        {{ normalize_email(generic_column(mapping, 'email')) }} as email,
        _source_file,
        _row_number,
        _loaded_at
    from source

),

final as (

    select {{ first_row_distinct('account_id') }} *
    from renamed
    where account_id is not null
    {{ first_row_qualify('account_id', latest_record_order()) }}

)

select * from final
