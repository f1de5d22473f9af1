-- One row per account × month with its MRR and movement: the contracted projection of
-- intermediate/revenue/int_mrr_account_months, where the rule and its unit tests live.
with

account_months as (

    select * from {{ ref('int_mrr_account_months') }}

),

final as (

    select
        account_id,
        month,
        mrr,
        previous_mrr,
        movement,
        movement_mrr,
        plan_product_id,
        first_mrr_month
    from account_months

)

select * from final
