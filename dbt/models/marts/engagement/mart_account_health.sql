-- One row per paying account × month (MRR > 0 at the month's end): the 0–100 health score from
-- weighted components (var health_weights; each component 0–1 from thresholds that are vars), the
-- red flags that fired, the band, and the backtest label — whether the account churned (a `churn`
-- movement) in the next var health_churn_window_months months (3 ≈ 90 days).
{%- set window_months = var('health_churn_window_months') %}
with

scored as (

    select * from {{ ref('int_account_health_scored') }}

),

mrr_months as (

    select * from {{ ref('int_mrr_account_months') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

churn_after as (

    select
        scored.account_id,
        scored.month,
        min(mrr_months.month) as churn_month
    from scored
    inner join mrr_months
        on
            scored.account_id = mrr_months.account_id
            and mrr_months.movement = 'churn'
            and scored.month < mrr_months.month
            and mrr_months.month <= {{ dbt.dateadd('month', window_months, 'scored.month') }}
    group by scored.account_id, scored.month

),

final as (

    select
        scored.account_id,
        scored.month,
        scored.health_score,
        scored.health_band,
        scored.red_flags,
        cast(scored.red_flag_count as bigint) as red_flag_count,
        scored.usage_trend_score,
        scored.seat_activity_score,
        scored.support_friction_score,
        scored.sla_breaches_score,
        scored.nps_score,
        scored.payment_failures_score,
        scored.mrr_trend_score,
        scored.mrr,
        scored.logins,
        scored.prior_average_logins,
        scored.active_users,
        scored.known_users,
        scored.lookback_tickets,
        scored.lookback_bad_csat_ratings,
        scored.lookback_sla_breaches,
        scored.lookback_failed_invoices,
        scored.nps_respondents,
        scored.account_nps,
        churn_after.churn_month is not null as has_churned_within_90_days,
        churn_after.churn_month,
        cast({{ dbt.dateadd('month', window_months, 'scored.month') }} as date) <= as_of.as_of_month
            as is_churn_window_complete
    from scored
    cross join as_of
    left join churn_after on scored.account_id = churn_after.account_id and scored.month = churn_after.month

)

select * from final
