-- One row per account: a CRM company, or a billing customer that matches none (`stripe:<id>`).
with

accounts as (

    select * from {{ ref('int_accounts') }}

),

billing_customers as (

    select * from {{ ref('int_billing_customers_resolved') }}

),

mrr_months as (

    select * from {{ ref('int_mrr_account_months') }}

),

journey_paths as (

    select * from {{ ref('int_account_journey_paths') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

customer_ids as (

    select
        account_id,
        string_agg(stripe_customer_id, ';' order by stripe_customer_id) as stripe_customer_ids
    from billing_customers
    group by account_id

),

revenue as (

    select
        mrr_months.account_id,
        min(mrr_months.month) filter (where mrr_months.mrr > 0) as first_paid_month,
        max(mrr_months.month) filter (where mrr_months.mrr > 0) as last_paid_month,
        sum(mrr_months.mrr) filter (where mrr_months.month = as_of.as_of_month) as current_mrr,
        {{ arg_max('mrr_months.plan_product_id', 'mrr_months.month', where='mrr_months.mrr > 0') }} as plan_tier
    from mrr_months
    cross join as_of
    group by mrr_months.account_id

),

final as (

    select
        accounts.account_id,
        accounts.account_name,
        accounts.account_source,
        accounts.crm_company_id,
        customer_ids.stripe_customer_ids,
        accounts.domain,
        accounts.industry,
        accounts.employees,
        accounts.segment,
        accounts.country,
        accounts.original_source,
        accounts.lifecycle_stage_label as crm_lifecycle_stage,
        accounts.created_at,
        revenue.plan_tier,
        revenue.first_paid_month,
        revenue.last_paid_month,
        cast(coalesce(revenue.current_mrr, 0) as decimal(38, 6)) as current_mrr,
        coalesce(revenue.current_mrr, 0) > 0 as is_paying,
        revenue.first_paid_month is not null as has_ever_paid,
        -- path precedence of marts.md (intermediate/lifecycle/int_account_journey_paths); null until known
        journey_paths.journey_path
    from accounts
    left join customer_ids on accounts.account_id = customer_ids.account_id
    left join revenue on accounts.account_id = revenue.account_id
    left join journey_paths on accounts.account_id = journey_paths.account_id

)

select * from final
