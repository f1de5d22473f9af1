-- A failure means an account-month whose movement is not the class its MRR history defines, tested
-- in the spec's order: new (mrr > 0, never paid before), reactivation (mrr > 0, previous 0, paid
-- before), churn (previous > 0, mrr 0), expansion, contraction, then unchanged (inactive for 0 → 0);
-- or a movement_mrr other than the one its class defines (0 for unchanged and inactive). The bridge
-- would still balance, but its columns (new vs reactivation, churn vs contraction) would be wrong.
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

history as (

    select
        *,
        coalesce(
            max(mrr) over (
                partition by account_id order by month
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) > 0 as has_paid_before
    from account_months

),

expected as (

    select
        *,
        case
            when mrr > 0 and not has_paid_before then 'new'
            when mrr > 0 and previous_mrr = 0 then 'reactivation'
            when previous_mrr > 0 and mrr = 0 then 'churn'
            when mrr > previous_mrr and previous_mrr > 0 then 'expansion'
            when mrr > 0 and mrr < previous_mrr then 'contraction'
            when mrr = 0 and previous_mrr = 0 then 'inactive'
            else 'unchanged'
        end as expected_movement,
        case movement
            when 'new' then mrr
            when 'reactivation' then mrr
            when 'expansion' then mrr - previous_mrr
            when 'contraction' then previous_mrr - mrr
            when 'churn' then previous_mrr
            else 0
        end as expected_movement_mrr
    from history

)

select
    account_id,
    month,
    previous_mrr,
    mrr,
    movement,
    expected_movement,
    movement_mrr,
    expected_movement_mrr
from expected
where
    movement <> expected_movement
    or abs(movement_mrr - expected_movement_mrr) > 0.000001
