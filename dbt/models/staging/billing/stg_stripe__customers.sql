-- One row per Stripe customer: of its versions, the latest `created`, then the latest export.
with

source as (

    {{ with_export_time(source('billing', 'stripe_customers'), 'stripe_customers') }}

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
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ try_cast(json_text('record', 'created'), 'bigint') }} as version_created

    from source

),

{{ winning_versions('renamed', 'stripe_customer_id', ['version_created']) }},

final as (

    select * from winning_versions

)

select * from final
