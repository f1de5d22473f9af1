-- One rate per currency × month for every currency revenue is billed in and every month from the
-- first month with revenue to as_of_month: reporting-currency units per unit of the currency
-- (var reporting_currency), from seeds/fx_rates.csv (US dollars per unit). A month the seed lacks
-- takes the latest earlier rate, else the earliest later one. A currency the seed does not list at
-- all gets a null rate, which tests/revenue/assert_every_revenue_currency_has_an_exchange_rate.sql
-- reports by name.
{%- set reporting_currency = var('reporting_currency') | lower %}
with

seed_rates as (

    select * from {{ ref('fx_rates') }}

),

periods as (

    select * from {{ ref('int_subscription_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

revenue_currencies as (

    select distinct currency from periods
    union
    select '{{ reporting_currency }}' as currency

),

month_span as (

    -- start early enough to see the seed's latest rate before the first revenue month
    select
        least(
            min(cast({{ dbt.date_trunc('month', 'periods.period_start_at') }} as date)),
            (select min(seed_rates.month) from seed_rates)
        ) as first_month,
        min(cast({{ dbt.date_trunc('month', 'periods.period_start_at') }} as date)) as first_revenue_month,
        {{ any_value('as_of.as_of_month') }} as as_of_month
    from periods
    cross join as_of

),

month_spine as (

    select
        cast(months.month_start as date) as month,
        month_span.first_revenue_month
    from month_span,
        {{ month_series_rows('cast(month_span.first_month as timestamp)', 'cast(month_span.as_of_month as timestamp)', 'months', 'month_start') }}

),

currency_months as (

    select
        revenue_currencies.currency,
        month_spine.month,
        month_spine.first_revenue_month,
        seed_rates.usd_per_unit
    from revenue_currencies
    cross join month_spine
    left join seed_rates
        on
            revenue_currencies.currency = seed_rates.currency
            and month_spine.month = seed_rates.month

),

filled as (

    select
        currency,
        month,
        first_revenue_month,
        coalesce(
            {{ window_value_ignore_nulls('last', 'usd_per_unit',
                'partition by currency order by month rows between unbounded preceding and current row') }},
            {{ window_value_ignore_nulls('first', 'usd_per_unit',
                'partition by currency order by month rows between unbounded preceding and unbounded following') }}
        ) as usd_per_unit
    from currency_months

),

reporting_rates as (

    select
        month,
        usd_per_unit as reporting_usd_per_unit
    from filled
    where currency = '{{ reporting_currency }}'

),

final as (

    select
        filled.currency,
        filled.month,
        filled.usd_per_unit,
        reporting_rates.reporting_usd_per_unit,
        case
            when filled.currency = '{{ reporting_currency }}' then cast(1 as double)
            else filled.usd_per_unit / reporting_rates.reporting_usd_per_unit
        end as rate_to_reporting
    from filled
    left join reporting_rates
        on filled.month = reporting_rates.month
    where filled.month >= filled.first_revenue_month

)

select * from final
