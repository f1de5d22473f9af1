-- One row per NPS response (survey_type nps or blank, a score 0–10, a parseable time, on or before
-- as_of_date): its category and whether it is the respondent's latest answer in its month, the one
-- mart_nps counts. A respondent is an email address compared case-insensitively; a response
-- without an email is a respondent of its own.
with

responses as (

    select * from {{ ref('int_survey_responses') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

nps_responses as (

    select
        responses.response_id,
        responses.account_id,
        responses.match_method,
        responses.email,
        coalesce(responses.email, 'response:' || responses.response_id) as respondent,
        responses.responded_at,
        cast({{ dbt.date_trunc('month', 'responses.responded_at') }} as date) as month,
        responses.score,
        responses.comment
    from responses
    cross join as_of
    where
        responses.is_nps
        and responses.score between 0 and 10
        and responses.responded_at is not null
        and responses.responded_at < {{ dbt.dateadd('day', 1, 'cast(as_of.as_of_date as timestamp)') }}

),

categorised as (

    select
        *,
        case
            when score >= {{ var('nps_promoter_min_score') }} then 'promoter'
            when score >= {{ var('nps_passive_min_score') }} then 'passive'
            else 'detractor'
        end as nps_category,
        row_number() over (
            partition by respondent, month order by responded_at desc, response_id desc
        ) = 1 as is_latest_in_month
    from nps_responses

),

final as (

    select
        response_id,
        account_id,
        match_method,
        email,
        respondent,
        responded_at,
        month,
        score,
        nps_category,
        is_latest_in_month,
        comment
    from categorised

)

select * from final
