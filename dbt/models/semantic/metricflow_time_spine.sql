-- MetricFlow's day-grain time spine (one row per calendar day, 2000 through 2040): the base of every
-- time grouping (metric_time__month, __quarter, __year) and of semi-additive measures such as MRR.
{{ config(materialized='table') }}

with

days as (

    {{ dbt.date_spine('day', "cast('2000-01-01' as date)", "cast('2041-01-01' as date)") }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
