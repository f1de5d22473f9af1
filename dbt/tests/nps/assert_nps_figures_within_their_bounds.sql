-- Fails when a mart_nps row breaks arithmetic that holds by definition: responses are promoters +
-- passives + detractors (at least one), NPS lies in −100…100 and equals 100 × (p − d) ÷ n, the average
-- score lies in 0…10, the margin of error is not negative, or a month lies after as_of_month.
{{ config(meta={'dagster': {'ref': {'name': 'mart_nps'}}}) }}
with

nps as (

    select * from {{ ref('mart_nps') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

final as (

    select nps.*
    from nps
    cross join as_of
    where
        nps.responses <> nps.promoters + nps.passives + nps.detractors
        or nps.responses < 1
        or nps.nps not between -100 and 100
        or abs(nps.nps - 100.0 * (nps.promoters - nps.detractors) / nps.responses) > 1e-9
        or nps.average_score not between 0 and 10
        or nps.nps_margin_of_error_95 < 0
        or nps.month > as_of.as_of_month

)

select * from final
