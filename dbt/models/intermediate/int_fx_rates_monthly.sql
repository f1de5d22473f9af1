-- One rate per currency × month for every month revenue can fall in: the seed's rate of that month,
-- else the latest earlier one (else the earliest later one), expressed as reporting-currency units
-- per unit of the currency (var reporting_currency).
with

rates as (

    select * from {{ ref('fx_rates') }}

),

revenue_months as (

    select distinct currency, month from {{ ref('int_mrr_account_currency_months') }}

),

filled as (

    select
        revenue_months.currency,
        revenue_months.month,
        coalesce(
            (select rates.usd_per_unit from rates
             where rates.currency = revenue_months.currency and rates.month <= revenue_months.month
             order by rates.month desc limit 1),
            (select rates.usd_per_unit from rates
             where rates.currency = revenue_months.currency
             order by rates.month limit 1)
        ) as usd_per_unit,
        coalesce(
            (select rates.usd_per_unit from rates
             where rates.currency = '{{ var("reporting_currency") }}' and rates.month <= revenue_months.month
             order by rates.month desc limit 1),
            (select rates.usd_per_unit from rates
             where rates.currency = '{{ var("reporting_currency") }}'
             order by rates.month limit 1)
        ) as reporting_usd_per_unit
    from revenue_months

),

final as (

    select
        currency,
        month,
        usd_per_unit / reporting_usd_per_unit as rate_to_reporting
    from filled

)

select * from final
