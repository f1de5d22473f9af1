-- Email → CRM company, from contacts: the first of a contact's Associated Company IDs that exists
-- in the CRM export. When two contacts share an email, the earliest created one decides.
with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}

),

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

associations as (

    select
        contacts.crm_contact_id,
        contacts.email,
        contacts.created_at,
        trim(associated.company_id) as crm_company_id,
        associated.position
    from contacts,
        unnest({{ split_text('contacts.associated_company_ids', "';'") }}) with ordinality as associated (company_id, position)
    where contacts.email is not null

),

existing as (

    select associations.*
    from associations
    inner join companies on associations.crm_company_id = companies.crm_company_id

),

final as (

    select {{ first_row_distinct('email') }} email, crm_company_id, crm_contact_id
    from existing
    {{ first_row_qualify('email', 'created_at nulls last, crm_contact_id, position') }}

)

select * from final
