-- Every account: each CRM company, plus each billing customer that matches no CRM company.
with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}

),

generic_accounts as (

    select * from {{ ref('stg_generic__accounts') }}

),

generic_subscription_accounts as (

    -- accounts that only the generic subscriptions name still get a row, so no revenue is lost
    select account_id, min(period_start_at) as created_at
    from {{ ref('stg_generic__subscriptions') }}
    where account_id is not null
    group by account_id

),

standalone_customers as (

    select * from {{ ref('int_billing_customers_resolved') }}
    where not is_matched_to_crm

),

crm_accounts as (

    select
        crm_company_id as account_id,
        'crm' as account_source,
        crm_company_id,
        cast(null as varchar) as stripe_customer_id,
        company_name as account_name,
        domain,
        industry,
        employees,
        country,
        lifecycle_stage_label,
        original_source,
        created_at
    from companies

),

billing_only_accounts as (

    select
        account_id,
        'billing_only' as account_source,
        cast(null as varchar) as crm_company_id,
        stripe_customer_id,
        customer_name as account_name,
        nullif(split_part(email, '@', 2), '') as domain,
        cast(null as varchar) as industry,
        cast(null as bigint) as employees,
        cast(null as varchar) as country,
        cast(null as varchar) as lifecycle_stage_label,
        cast(null as varchar) as original_source,
        created_at
    from standalone_customers

),

generic_profile_accounts as (

    select
        coalesce(generic_accounts.account_id, generic_subscription_accounts.account_id) as account_id,
        'generic' as account_source,
        cast(null as varchar) as crm_company_id,
        cast(null as varchar) as stripe_customer_id,
        generic_accounts.account_name,
        generic_accounts.domain,
        generic_accounts.industry,
        generic_accounts.employees,
        generic_accounts.country,
        cast(null as varchar) as lifecycle_stage_label,
        generic_accounts.original_source,
        coalesce(generic_accounts.created_at, generic_subscription_accounts.created_at) as created_at
    from generic_accounts
    full outer join generic_subscription_accounts
        on generic_accounts.account_id = generic_subscription_accounts.account_id

),

final as (

    select *, {{ employee_segment('employees') }} as segment from crm_accounts
    union all
    select *, {{ employee_segment('employees') }} as segment from billing_only_accounts
    union all
    select *, {{ employee_segment('employees') }} as segment from generic_profile_accounts

)

select * from final
