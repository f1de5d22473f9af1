-- Fails when, in some month, a dimension of mart_nps (segment, plan_tier, lifecycle_stage,
-- journey_path) does not add up to the overall row: a response was dropped from a breakdown or counted
-- under two values of it (a fan-out in a join), so the breakdown's NPS would not explain the total.
with

nps as (

    select * from {{ ref('mart_nps') }}

),

totals as (

    select
        month,
        dimension,
        sum(responses) as responses,
        sum(promoters) as promoters,
        sum(passives) as passives,
        sum(detractors) as detractors
    from nps
    group by month, dimension

),

overall as (

    select * from totals
    where dimension = 'overall'

),

final as (

    select
        totals.*,
        overall.responses as overall_responses
    from totals
    left join overall on totals.month = overall.month
    where
        overall.month is null
        or totals.responses <> overall.responses
        or totals.promoters <> overall.promoters
        or totals.passives <> overall.passives
        or totals.detractors <> overall.detractors

)

select * from final
