-- Fails when a respondent (lower-cased email) has other than exactly one counted answer in a month
-- of fct_nps_responses: the latest-response rule would then count someone twice, or not at all.
with

responses as (

    select * from {{ ref('fct_nps_responses') }}

),

final as (

    select
        respondent,
        month,
        count(*) filter (where is_latest_in_month) as counted
    from responses
    group by respondent, month
    having count(*) filter (where is_latest_in_month) <> 1

)

select * from final
