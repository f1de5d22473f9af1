-- The health score's backtest: per scored month × band, how many paying accounts were in the band
-- and the share that churned within the next var health_churn_window_months months (3 ≈ 90 days).
-- pooled_churn_rate pools every month whose window is complete, so bands can be compared at a
-- glance: a useful score has at_risk above watch above healthy.
with

health as (

    select * from {{ ref('mart_account_health') }}

),

by_month as (

    select
        month,
        health_band,
        count(*) as accounts,
        count(*) filter (where has_churned_within_90_days) as churned_accounts,
        bool_and(is_churn_window_complete) as is_churn_window_complete,
        avg(health_score) as average_health_score
    from health
    group by month, health_band

),

pooled as (

    select
        health_band,
        count(*) as pooled_accounts,
        count(*) filter (where has_churned_within_90_days) as pooled_churned_accounts
    from health
    where is_churn_window_complete
    group by health_band

),

final as (

    select
        by_month.month,
        by_month.health_band,
        by_month.accounts,
        by_month.churned_accounts,
        {{ divide('by_month.churned_accounts', 'by_month.accounts') }} as churn_rate,
        by_month.is_churn_window_complete,
        by_month.average_health_score,
        coalesce(pooled.pooled_accounts, 0) as pooled_accounts,
        coalesce(pooled.pooled_churned_accounts, 0) as pooled_churned_accounts,
        {{ divide('pooled.pooled_churned_accounts', 'nullif(pooled.pooled_accounts, 0)') }} as pooled_churn_rate
    from by_month
    left join pooled on by_month.health_band = pooled.health_band

)

select * from final
