-- One row per paying account × month: each health component scored 0–1 from its signal, the
-- 0–100 health_score (components weighted by var health_weights, divided by the weights' sum),
-- the red flags that fired and the band. Every threshold is a var (dbt_project.yml).
{%- set weights = var('health_weights') %}
{%- set components = ['usage_trend', 'seat_activity', 'support_friction', 'sla_breaches', 'nps', 'payment_failures', 'mrr_trend'] %}
{%- set ns = namespace(total_weight=0) %}
{%- for component in components %}{% set ns.total_weight = ns.total_weight + weights.get(component, 0) %}{% endfor %}
with

signals as (

    select * from {{ ref('int_account_health_signals') }}

),

ratios as (

    select
        *,
        case when prior_average_logins > 0 then {{ divide('logins', 'prior_average_logins') }} end as usage_ratio,
        case when known_users > 0 then {{ divide('active_users', 'known_users') }} else 0 end as seat_activity_share,
        lookback_tickets + lookback_bad_csat_ratings as support_friction_points,
        case
            when nps_respondents > 0 then {{ divide('100.0 * (nps_promoters - nps_detractors)', 'nps_respondents') }}
        end as account_nps,
        case when lookback_peak_mrr > 0 then {{ divide('mrr', 'lookback_peak_mrr') }} end as mrr_ratio
    from signals

),

components as (

    select
        *,
        case
            when usage_ratio is not null then least(1.0, usage_ratio)
            when logins > 0 then 1.0
            else 0.0
        end as usage_trend_score,
        least(1.0, seat_activity_share / {{ var('health_seat_activity_target') }}) as seat_activity_score,
        1.0 - least(1.0, {{ divide('support_friction_points', var('health_support_friction_max')) }}) as support_friction_score,
        1.0 - least(1.0, {{ divide('lookback_sla_breaches', var('health_sla_breaches_max')) }}) as sla_breaches_score,
        coalesce((account_nps + 100.0) / 200.0, {{ var('health_nps_missing_score') }}) as nps_score,
        1.0 - least(1.0, {{ divide('lookback_failed_invoices', var('health_payment_failures_max')) }})
            as payment_failures_score,
        least(1.0, coalesce(mrr_ratio, 1.0)) as mrr_trend_score
    from ratios

),

scored as (

    select
        *,
        {%- set weighted_score %}
            100.0 * (
                {%- for component in components %}
                    {{ weights.get(component, 0) }} * {{ component }}_score{{ ' +' if not loop.last }}
                {%- endfor %}
            ) / {{ ns.total_weight }}
        {%- endset %}
        cast({{ round_to(weighted_score, 1) }} as double) as health_score,
        {%- set red_flags %}
            case when logins = 0 then 'no_usage' end,
            case
                when usage_ratio < {{ var('health_usage_drop_ratio') }} and logins > 0 then 'usage_drop'
            end,
            case when seat_activity_share < {{ var('health_seat_activity_flag') }} then 'low_seat_activity' end,
            case
                when support_friction_points >= {{ var('health_support_friction_flag') }} then 'support_friction'
            end,
            case when lookback_bad_csat_ratings > 0 then 'bad_csat' end,
            case when lookback_sla_breaches > 0 then 'sla_breach' end,
            case when account_nps < 0 then 'nps_detractor' end,
            case when lookback_failed_invoices > 0 then 'payment_failed' end,
            case when mrr_ratio < {{ var('health_mrr_contraction_flag') }} then 'mrr_contraction' end
        {%- endset %}
        {{ list_without_nulls(red_flags) }} as red_flags
    from components

),

final as (

    select
        account_id,
        month,
        health_score,
        case
            when health_score >= {{ var('health_band_healthy_min') }} then 'healthy'
            when health_score >= {{ var('health_band_watch_min') }} then 'watch'
            else 'at_risk'
        end as health_band,
        red_flags,
        {{ list_length('red_flags') }} as red_flag_count,
        {%- for component in components %}
            {{ component }}_score,
        {%- endfor %}
        mrr,
        lookback_peak_mrr,
        logins,
        prior_average_logins,
        active_users,
        known_users,
        lookback_tickets,
        lookback_bad_csat_ratings,
        lookback_sla_breaches,
        lookback_failed_invoices,
        nps_respondents,
        account_nps
    from scored

)

select * from final
