-- Fails when a mart_account_health row has a score outside 0–100, a band that does not follow its
-- score and the band vars, a component outside 0–1, a row for a month without MRR, or a month after
-- as_of_month. A failure means the weighting or banding drifted from the vars.
{{ config(meta={'dagster': {'ref': {'name': 'mart_account_health'}}}) }}
with

health as (

    select * from {{ ref('mart_account_health') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

final as (

    select
        health.account_id,
        health.month,
        health.health_score,
        health.health_band
    from health
    cross join as_of
    where
        health.health_score not between 0 and 100
        or health.health_band <> case
            when health.health_score >= {{ var('health_band_healthy_min') }} then 'healthy'
            when health.health_score >= {{ var('health_band_watch_min') }} then 'watch'
            else 'at_risk'
        end
        {%- for component in ['usage_trend', 'seat_activity', 'support_friction', 'sla_breaches', 'nps', 'payment_failures', 'mrr_trend'] %}
            or health.{{ component }}_score not between 0 and 1
        {%- endfor %}
        or health.mrr <= 0
        or health.red_flag_count <> len(health.red_flags)
        or health.month > as_of.as_of_month

)

select * from final
