-- One row per Stripe customer (latest extract of each id).
with

source as (

    select * from {{ source('billing', 'stripe_customers') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as stripe_customer_id,
        {{ normalize_email(json_text('record', 'email')) }} as email,
        {{ json_text('record', 'name') }} as customer_name,
        {{ from_unix_seconds(json_text('record', 'created')) }} as created_at,
        lower({{ json_text('record', 'currency') }}) as currency,
        try_cast({{ json_text('record', 'delinquent') }} as boolean) as is_delinquent,
        nullif(trim({{ json_text('record', 'metadata.hubspot_company_id') }}), '') as crm_company_id,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by {{ json_text('record', 'id') }} order by {{ latest_record_order() }}
        ) as recency_rank

    from source

),

final as (

    select * exclude (recency_rank)
    from renamed
    where recency_rank = 1

)

select * from final
