-- One row per month × dimension × dimension value with at least one counted response: NPS over
-- the respondents' latest answers in the month (one per lower-cased email), the average score kept
-- apart, and the 95% margin of error 1.96 × 100 × √((p + d − (p − d)²) ÷ n). Dimensions: overall
-- (value `all`), segment, plan_tier, lifecycle_stage (at response time), journey_path; a missing
-- value is `unknown`, so every dimension's rows add up to the overall row.
with

responses as (

    select * from {{ ref('fct_nps_responses') }}
    where is_latest_in_month

),

by_dimension as (

    select
        month,
        'overall' as dimension,
        'all' as dimension_value,
        score,
        nps_category
    from responses
    union all
    select
        month,
        'segment' as dimension,
        coalesce(segment, 'unknown') as dimension_value,
        score,
        nps_category
    from responses
    union all
    select
        month,
        'plan_tier' as dimension,
        coalesce(plan_tier, 'unknown') as dimension_value,
        score,
        nps_category
    from responses
    union all
    select
        month,
        'lifecycle_stage' as dimension,
        coalesce(lifecycle_stage, 'unknown') as dimension_value,
        score,
        nps_category
    from responses
    union all
    select
        month,
        'journey_path' as dimension,
        coalesce(journey_path, 'unknown') as dimension_value,
        score,
        nps_category
    from responses

),

counted as (

    select
        month,
        dimension,
        dimension_value,
        count(*) as responses,
        count(*) filter (where nps_category = 'promoter') as promoters,
        count(*) filter (where nps_category = 'passive') as passives,
        count(*) filter (where nps_category = 'detractor') as detractors,
        {{ average('score') }} as average_score
    from by_dimension
    group by month, dimension, dimension_value

),

shares as (

    select
        *,
        {{ divide('promoters', 'responses') }} as promoter_share,
        {{ divide('detractors', 'responses') }} as detractor_share
    from counted

),

final as (

    select
        month,
        dimension,
        dimension_value,
        responses,
        promoters,
        passives,
        detractors,
        {{ divide('100.0 * (promoters - detractors)', 'responses') }} as nps,
        average_score,
        1.96 * 100.0 * sqrt(
            greatest(
                0.0,
                (promoter_share + detractor_share - power(promoter_share - detractor_share, 2)) / responses
            )
        ) as nps_margin_of_error_95,
        promoter_share,
        detractor_share
    from shares

)

select * from final
