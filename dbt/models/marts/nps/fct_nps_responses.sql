-- One row per NPS response: the account and its attributes, the category, whether it is the
-- respondent's answer that counts in its month, the lifecycle stage at response time (the rung the
-- account was on just before it answered: a promoter answer itself moves an account to advocate,
-- and must not be counted as the advocate rung's answer), and whether
-- the account churned within var nps_churn_window_days after it: a `churn` movement in a month
-- whose first day falls in (responded_at, responded_at + window]. Month-level MRR cannot say on
-- which day of its month an account lapsed, so a churn in the response's own month is not counted
-- (it may have come before the answer); see DECISIONLOG.md.
with

responses as (

    select * from {{ ref('int_nps_responses_scored') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

spells as (

    select * from {{ ref('int_account_stage_spells') }}

),

mrr_months as (

    select * from {{ ref('int_mrr_account_months') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

stage_at_response as (

    select
        responses.response_id,
        {{ arg_max('spells.stage', 'spells.stage_order') }} as lifecycle_stage
    from responses
    inner join spells
        on
            responses.account_id = spells.account_id
            and responses.responded_at > spells.valid_from
            and (spells.valid_to is null or responses.responded_at <= spells.valid_to)
    group by responses.response_id

),

churn_after_response as (

    select
        responses.response_id,
        min(mrr_months.month) as churn_month
    from responses
    inner join mrr_months
        on
            responses.account_id = mrr_months.account_id
            and mrr_months.movement = 'churn'
            and cast(mrr_months.month as timestamp) > responses.responded_at
            and cast(mrr_months.month as timestamp)
            <= {{ dbt.dateadd('day', var('nps_churn_window_days'), 'responses.responded_at') }}
    group by responses.response_id

),

final as (

    select
        responses.response_id,
        responses.account_id,
        responses.respondent,
        responses.email,
        responses.responded_at,
        responses.month,
        responses.score,
        responses.nps_category,
        responses.is_latest_in_month,
        accounts.segment,
        accounts.plan_tier,
        accounts.journey_path,
        stage_at_response.lifecycle_stage,
        churn_after_response.churn_month is not null as has_churned_within_90_days,
        churn_after_response.churn_month,
        cast(
            {{ dbt.date_trunc('month', dbt.dateadd('day', var('nps_churn_window_days'), 'responses.responded_at')) }}
            as date
        ) <= as_of.as_of_month as is_churn_window_complete,
        responses.match_method,
        responses.comment
    from responses
    cross join as_of
    left join accounts on responses.account_id = accounts.account_id
    left join stage_at_response on responses.response_id = stage_at_response.response_id
    left join churn_after_response on responses.response_id = churn_after_response.response_id

)

select * from final
