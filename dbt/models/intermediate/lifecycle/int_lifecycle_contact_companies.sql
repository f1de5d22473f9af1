-- One row per CRM contact with the account it rolls up to: the first of its Associated Company IDs
-- that exists in the CRM export (all the ids are tried in order, as identity resolution does).
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

companies as (

    select crm_company_id from {{ ref('stg_hubspot__companies') }}

),

associations as (

    select
        contacts.crm_contact_id,
        trim(associated.company_id) as crm_company_id,
        associated.position
    from contacts,
        unnest({{ split_text('contacts.associated_company_ids', "';'") }}) with ordinality as associated (company_id, position)

),

final as (

    select
        associations.crm_contact_id,
        {{ arg_min('associations.crm_company_id', 'associations.position') }} as account_id
    from associations
    inner join companies on associations.crm_company_id = companies.crm_company_id
    group by associations.crm_contact_id

)

select * from final
