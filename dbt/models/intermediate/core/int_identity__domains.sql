-- Web domain → CRM company (Company Domain Name). When companies share a domain, the earliest
-- created one decides, so the match is deterministic.
with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

final as (

    select {{ first_row_distinct('domain') }} domain, crm_company_id
    from companies
    where domain is not null
    {{ first_row_qualify('domain', 'created_at nulls last, crm_company_id') }}

)

select * from final
