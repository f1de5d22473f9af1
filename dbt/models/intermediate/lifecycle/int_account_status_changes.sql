-- One row per churn or reactivation of an account: a status beside the ladder, from the MRR movements
-- of int_mrr_account_months. changed_at is when revenue stopped (the end of the last paid period) or
-- restarted (the start of the first period of the reactivation month); month is the movement's month.
with

mrr_months as (

    select * from {{ ref('int_mrr_account_months') }}
    where movement in ('churn', 'reactivation')

),

paid_periods as (

    select * from {{ ref('int_subscription_periods') }}
    where monthly_amount_local > 0

),

churns as (

    select
        mrr_months.account_id,
        'churned' as status,
        mrr_months.month,
        greatest(
            cast(mrr_months.month as timestamp),
            coalesce(max(paid_periods.period_end_at), cast(mrr_months.month as timestamp))
        ) as changed_at,
        mrr_months.movement_mrr
    from mrr_months
    left join paid_periods
        on
            mrr_months.account_id = paid_periods.account_id
            and paid_periods.period_start_at < {{ dbt.dateadd('month', 1, 'cast(mrr_months.month as timestamp)') }}
            and paid_periods.period_end_at <= {{ dbt.dateadd('month', 1, 'cast(mrr_months.month as timestamp)') }}
    where mrr_months.movement = 'churn'
    group by mrr_months.account_id, mrr_months.month, mrr_months.movement_mrr

),

reactivations as (

    select
        mrr_months.account_id,
        'reactivated' as status,
        mrr_months.month,
        greatest(
            cast(mrr_months.month as timestamp),
            coalesce(min(paid_periods.period_start_at), cast(mrr_months.month as timestamp))
        ) as changed_at,
        mrr_months.movement_mrr
    from mrr_months
    left join paid_periods
        on
            mrr_months.account_id = paid_periods.account_id
            and {{ lifecycle_period_counts_in_month('paid_periods.period_start_at', 'paid_periods.period_end_at', 'mrr_months.month') }}
    where mrr_months.movement = 'reactivation'
    group by mrr_months.account_id, mrr_months.month, mrr_months.movement_mrr

),

final as (

    select * from churns
    union all
    select * from reactivations

)

select * from final
