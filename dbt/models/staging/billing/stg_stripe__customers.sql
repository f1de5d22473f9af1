-- One row per Stripe customer, from both shapes Stripe exports: API customer objects (JSON lines)
-- and the Dashboard's customers CSV export (`hubspot_company_id (metadata)` carries the CRM id).
-- Of a customer's versions, the latest `created` wins, then the latest export (macros/parsing.sql).
with

source as (

    {{ with_export_time(source('billing', 'stripe_customers'), 'stripe_customers') }}

),

dashboard_source as (

    {{ with_export_time(source('billing', 'stripe_dashboard_customers'), 'stripe_dashboard_customers') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as stripe_customer_id,
        {{ normalize_email(json_text('record', 'email')) }} as email,
        {{ json_text('record', 'name') }} as customer_name,
        {{ from_unix_seconds(json_text('record', 'created')) }} as created_at,
        lower({{ json_text('record', 'currency') }}) as currency,
        {{ try_cast(json_text('record', 'delinquent'), 'boolean') }} as is_delinquent,
        nullif(trim({{ json_text('record', 'metadata.hubspot_company_id') }}), '') as crm_company_id,
        'api' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

dashboard_renamed as (

    select
        nullif(trim("id"), '') as stripe_customer_id,
        {{ normalize_email('"Email"') }} as email,
        nullif(trim("Name"), '') as customer_name,
        {{ parse_timestamp('"Created (UTC)"') }} as created_at,
        lower(nullif(trim("Currency"), '')) as currency,
        {{ try_cast('lower(trim("Delinquent"))', 'boolean') }} as is_delinquent,
        nullif(trim("hubspot_company_id (metadata)"), '') as crm_company_id,
        'dashboard_csv' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        cast({{ epoch_seconds(parse_timestamp('"Created (UTC)"')) }} as bigint) as version_created

    from dashboard_source

),

both_shapes as (

    {{ union_all_by_name_many([
        ['renamed', ['stripe_customer_id', 'email', 'customer_name', 'created_at', 'currency', 'is_delinquent', 'crm_company_id', 'source_shape', '_source_file', '_row_number', '_loaded_at', '_row_hash', '_file_modified_at', 'version_created']],
        ['dashboard_renamed', ['stripe_customer_id', 'email', 'customer_name', 'created_at', 'currency', 'is_delinquent', 'crm_company_id', 'source_shape', '_source_file', '_row_number', '_loaded_at', '_row_hash', '_file_modified_at', 'version_created']]
    ]) }}

),

{{ winning_versions('both_shapes', 'stripe_customer_id', ['version_created']) }},

final as (

    select * from winning_versions

)

select * from final
