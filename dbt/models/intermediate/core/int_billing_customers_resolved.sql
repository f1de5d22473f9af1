-- Each Stripe customer resolved to an account. A customer matching no CRM company becomes an
-- account of its own, `stripe:<customer id>`, so no revenue is lost to a failed match.
with

customer_objects as (

    select * from {{ ref('stg_stripe__customers') }}

),

referenced_ids as (

    -- customers that invoices or subscriptions name but the customers export lacks still get an
    -- account, so their revenue is never lost
    select stripe_customer_id from {{ ref('stg_stripe__invoices') }}
    union
    select stripe_customer_id from {{ ref('stg_stripe__subscriptions') }}

),

customers as (

    select
        coalesce(customer_objects.stripe_customer_id, referenced_ids.stripe_customer_id) as stripe_customer_id,
        customer_objects.email,
        customer_objects.customer_name,
        customer_objects.created_at,
        customer_objects.currency,
        customer_objects.crm_company_id as carried_company_id,
        cast(null as varchar) as record_domain,
        customer_objects.stripe_customer_id is not null as is_in_customers_export
    from customer_objects
    full outer join referenced_ids
        on customer_objects.stripe_customer_id = referenced_ids.stripe_customer_id
    where coalesce(customer_objects.stripe_customer_id, referenced_ids.stripe_customer_id) is not null

),

resolved as (

    {{ resolve_account('customers') }}

),

final as (

    select
        stripe_customer_id,
        coalesce(account_id, 'stripe:' || stripe_customer_id) as account_id,
        account_id is not null as is_matched_to_crm,
        coalesce(match_method, 'standalone') as match_method,
        case
            when not is_in_customers_export then 'customer referenced by invoices or subscriptions but absent from the customers export'
            else unmatched_reason
        end as unmatched_reason,
        is_in_customers_export,
        email,
        customer_name,
        created_at,
        currency
    from resolved

)

select * from final
