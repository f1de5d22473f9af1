-- Conversion and time to convert per journey path (× segment, each with an `all` row): of the accounts
-- on a path, how many became customers, and how many days from their first touch (visitor) it took.
-- Accounts whose path is not known yet are `unknown` (they cannot have converted: a customer always
-- has a path).
with

stages as (

    select * from {{ ref('fct_lifecycle_stages') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

account_journeys as (

    select
        account_id,
        min(entered_at) filter (where stage = 'visitor') as first_touch_at,
        min(entered_at) filter (where stage = 'customer') as customer_at
    from stages
    group by account_id

),

account_groups as (

    select
        account_journeys.account_id,
        account_journeys.customer_at,
        segments.segment,
        paths.journey_path,
        {{ lifecycle_days_between('account_journeys.first_touch_at', 'account_journeys.customer_at') }}
            as days_to_convert
    from account_journeys
    inner join accounts on account_journeys.account_id = accounts.account_id,
        unnest({{ list_literal(["coalesce(accounts.segment, 'unknown')", "'all'"]) }}) as segments (segment),
        unnest({{ list_literal(["coalesce(accounts.journey_path, 'unknown')", "'all'"]) }}) as paths (journey_path)

),

final as (

    select
        journey_path,
        segment,
        cast(count(*) as bigint) as accounts,
        cast(count(customer_at) as bigint) as customers,
        cast(count(customer_at) as double) / count(*) as conversion_rate,
        cast({{ quantile_cont('days_to_convert', 0.5) }} as double) as median_days_to_convert,
        cast({{ quantile_cont('days_to_convert', 0.9) }} as double) as p90_days_to_convert
    from account_groups
    group by journey_path, segment

)

select * from final
