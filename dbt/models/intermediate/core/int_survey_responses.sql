-- One row per survey response, resolved to an account: its account_id column (a CRM company id),
-- else the respondent's email (contact, then domain). Typeform responses (stg_typeform__responses)
-- resolve the same way, from their hidden fields.
with

responses as (

    select
        *,
        crm_company_id as carried_company_id,
        cast(null as varchar) as record_domain
    from {{ ref('stg_surveys__nps_responses') }}

),

resolved as (

    {{ resolve_account('responses') }}

),

generic_responses as (

    -- the generic profile names the account directly (else its email resolves like any other)
    select
        {{ star_except_relation(ref('stg_generic__nps'), ['account_id']) }},
        account_id as carried_company_id,
        cast(null as varchar) as record_domain
    from {{ ref('stg_generic__nps') }}

),

generic_resolved as (

    select
        generic_responses.*,
        coalesce(generic_responses.carried_company_id, email_match.account_id) as account_id,
        case
            when generic_responses.carried_company_id is not null then 'generic'
            else email_match.match_method
        end as match_method,
        case
            when generic_responses.carried_company_id is null and email_match.account_id is null
                then 'no account id and no matching email'
        end as unmatched_reason
    from generic_responses
    left join (
        {{ resolve_account('generic_responses') }}
    ) as email_match on generic_responses.response_id = email_match.response_id

),

typeform_responses as (

    select
        *,
        crm_company_id as carried_company_id,
        cast(null as varchar) as record_domain
    from {{ ref('stg_typeform__responses') }}

),

typeform_resolved as (

    {{ resolve_account('typeform_responses') }}

),

final as (

    {{ union_all_by_name_many([
        ['resolved', relation_column_names(ref('stg_surveys__nps_responses')) + ['carried_company_id', 'record_domain', 'account_id', 'match_method', 'unmatched_reason']],
        ['generic_resolved', relation_column_names(ref('stg_generic__nps')) | reject('equalto', 'account_id') | list
            + ['carried_company_id', 'record_domain', 'account_id', 'match_method', 'unmatched_reason']],
        ['typeform_resolved', relation_column_names(ref('stg_typeform__responses'))
            + ['carried_company_id', 'record_domain', 'account_id', 'match_method', 'unmatched_reason']]
    ]) }}

)

select * from final
