{{ config(severity='warn') }}
-- A warning means mart_mrr_monthly skips a month: the month returned follows the previous row by
-- more than one month, so a month with MRR movements (or none) is missing from the bridge and the
-- churn of that month is hidden in the next one.
with

monthly as (

    select * from {{ ref('mart_mrr_monthly') }}

),

steps as (

    select
        month,
        lag(month) over (order by month) as previous_month
    from monthly

)

select *
from steps
where
    previous_month is not null
    and month <> cast({{ dbt.dateadd('month', 1, 'previous_month') }} as date)
