-- One row per account × month from the account's first month with MRR > 0 to as_of_month, gap
-- months included, with the month's movement. Amounts are in the reporting currency at the rate of
-- the month; previous_mrr is restated at this month's rate, so a pure exchange-rate change is never
-- a movement (the restatement shows in mart_mrr_monthly.fx_restatement_mrr).
with

currency_months as (

    select * from {{ ref('int_mrr_account_currency_months') }}

),

fx as (

    select * from {{ ref('int_fx_rates_monthly') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

converted as (

    select
        currency_months.account_id,
        currency_months.month,
        currency_months.currency,
        currency_months.mrr_local,
        currency_months.largest_product_id,
        fx.rate_to_reporting
    from currency_months
    left join fx
        on currency_months.currency = fx.currency
        and currency_months.month = fx.month

),

first_months as (

    select account_id, min(month) as first_mrr_month
    from converted
    where mrr_local > 0
    group by account_id

),

spine as (

    select
        first_months.account_id,
        first_months.first_mrr_month,
        cast(month_start as date) as month
    from first_months
    cross join as_of,
        unnest(generate_series(
            cast(first_months.first_mrr_month as timestamp), cast(as_of.as_of_month as timestamp), interval 1 month
        )) as months (month_start)

),

-- every currency an account ever billed in, on every month of its spine, so the previous month's
-- local MRR can be restated at this month's rate
account_currencies as (

    select distinct account_id, currency from converted

),

spine_currencies as (

    select spine.account_id, spine.month, spine.first_mrr_month, account_currencies.currency
    from spine
    inner join account_currencies on spine.account_id = account_currencies.account_id

),

restated as (

    select
        spine_currencies.account_id,
        spine_currencies.month,
        spine_currencies.first_mrr_month,
        spine_currencies.currency,
        coalesce(converted.mrr_local, 0) as mrr_local,
        coalesce(
            lag(converted.mrr_local) over (
                partition by spine_currencies.account_id, spine_currencies.currency order by spine_currencies.month
            ),
            0
        ) as previous_mrr_local,
        rate.rate_to_reporting,
        converted.largest_product_id
    from spine_currencies
    left join converted
        on spine_currencies.account_id = converted.account_id
        and spine_currencies.currency = converted.currency
        and spine_currencies.month = converted.month
    left join fx as rate
        on spine_currencies.currency = rate.currency
        and spine_currencies.month = rate.month

),

-- months where the account billed nothing in a currency still need that currency's rate to
-- restate the previous month: take the nearest month's rate
rated as (

    select
        *,
        coalesce(
            rate_to_reporting,
            last_value(rate_to_reporting ignore nulls) over (
                partition by account_id, currency order by month rows between unbounded preceding and current row
            )
        ) as rate_used
    from restated

),

account_months as (

    select
        account_id,
        month,
        any_value(first_mrr_month) as first_mrr_month,
        cast(round(sum(mrr_local * rate_used), 6) as decimal(38, 6)) as mrr,
        cast(round(sum(previous_mrr_local * rate_used), 6) as decimal(38, 6)) as previous_mrr,
        arg_max(largest_product_id, mrr_local * rate_used) filter (where mrr_local > 0) as plan_product_id
    from rated
    group by account_id, month

),

classified as (

    select
        *,
        month = first_mrr_month and mrr > 0 as is_first_paid_month,
        case
            when mrr > 0 and month = first_mrr_month then 'new'
            when mrr > 0 and previous_mrr = 0 then 'reactivation'
            when previous_mrr > 0 and mrr = 0 then 'churn'
            when mrr > previous_mrr and previous_mrr > 0 then 'expansion'
            when mrr > 0 and mrr < previous_mrr then 'contraction'
            when mrr = 0 and previous_mrr = 0 then 'inactive'
            else 'unchanged'
        end as movement
    from account_months

),

final as (

    select
        account_id,
        month,
        mrr,
        previous_mrr,
        movement,
        cast(
            case movement
                when 'new' then mrr
                when 'reactivation' then mrr
                when 'expansion' then mrr - previous_mrr
                when 'contraction' then previous_mrr - mrr
                when 'churn' then previous_mrr
                else 0
            end as decimal(38, 6)
        ) as movement_mrr,
        plan_product_id,
        first_mrr_month
    from classified

)

select * from final
