-- Web domain → CRM company (Company Domain Name). When companies share a domain, the earliest
-- created one decides, so the match is deterministic.
with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

final as (

    select domain, crm_company_id
    from companies
    where domain is not null
    qualify row_number() over (partition by domain order by created_at nulls last, crm_company_id) = 1

)

select * from final
