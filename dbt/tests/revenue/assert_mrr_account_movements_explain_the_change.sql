-- A failure means an account-month whose movement does not explain its MRR change: mrr −
-- previous_mrr must equal +movement_mrr for new, reactivation and expansion, −movement_mrr for
-- contraction and churn, and 0 otherwise; and previous_mrr must be 0 in the account's first month.
-- The monthly bridge is built from these rows, so it would not balance either.
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

final as (

    select
        *,
        mrr - previous_mrr
        - case
            when movement in ('new', 'reactivation', 'expansion') then movement_mrr
            when movement in ('contraction', 'churn') then -movement_mrr
            else 0
        end as unexplained_change
    from account_months

)

select * from final
where
    unexplained_change <> 0
    or (month = first_mrr_month and (previous_mrr <> 0 or movement <> 'new'))
    or movement_mrr < 0
