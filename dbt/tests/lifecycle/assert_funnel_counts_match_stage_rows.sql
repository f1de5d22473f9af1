-- A failure means the funnel's all × all rows, summed over cohorts, do not count the accounts that
-- fct_lifecycle_stages says reached each rung: the funnel lost or double-counted accounts.
with

funnel as (

    select stage, sum(accounts_reached) as accounts_reached
    from {{ ref('mart_lifecycle_funnel') }}
    where segment = 'all' and journey_path = 'all'
    group by stage

),

stages as (

    select stage, count(*) as accounts_reached
    from {{ ref('fct_lifecycle_stages') }}
    group by stage

)

select
    coalesce(funnel.stage, stages.stage) as stage,
    funnel.accounts_reached as funnel_accounts,
    stages.accounts_reached as stage_rows
from funnel
full outer join stages on funnel.stage = stages.stage
where coalesce(funnel.accounts_reached, 0) != coalesce(stages.accounts_reached, 0)
