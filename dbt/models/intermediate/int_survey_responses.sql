-- One row per survey response, resolved to an account: its account_id column (a CRM company id),
-- else the respondent's email (contact, then domain).
with

responses as (

    select
        *,
        crm_company_id as carried_company_id,
        cast(null as varchar) as record_domain
    from {{ ref('stg_surveys__nps_responses') }}

),

final as (

    {{ resolve_account('responses') }}

)

select * from final
