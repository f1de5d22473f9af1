-- A failure means the MRR bridge does not balance: for the month returned, starting + new +
-- expansion + reactivation − contraction − churned differs from ending MRR by a cent or more, so
-- some account's MRR change was not classified as exactly one movement (or amounts were rounded
-- apart). Finance cannot sign off a bridge that does not add up.
with

monthly as (

    select * from {{ ref('mart_mrr_monthly') }}

),

final as (

    select
        month,
        starting_mrr,
        new_mrr,
        expansion_mrr,
        reactivation_mrr,
        contraction_mrr,
        churned_mrr,
        ending_mrr,
        starting_mrr + new_mrr + expansion_mrr + reactivation_mrr - contraction_mrr - churned_mrr
        - ending_mrr as imbalance
    from monthly

)

select * from final
where abs(imbalance) >= 0.005
