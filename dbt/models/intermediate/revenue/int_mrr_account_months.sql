-- The account-month MRR and movement rule, the one home of it: every domain (revenue, lifecycle,
-- engagement, NPS, dim_accounts) reads this model; marts/revenue/fct_mrr_account_month is its
-- contracted projection.
-- One row per account × month from the account's first month with MRR > 0 to as_of_month, gap
-- months included, with the month's movement. Amounts are in the reporting currency at the rate of
-- the month. previous_mrr is last month's billing restated at this month's rate, so a pure
-- exchange-rate change is never a movement (mart_mrr_monthly.fx_restatement_mrr shows it apart).
-- Movement is tested in the spec's order: new, reactivation, churn, expansion, contraction, then
-- unchanged (inactive for 0 → 0); every branch can fire.
with

currency_months as (

    select * from {{ ref('int_mrr_account_currency_months') }}

),

fx_rates as (

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
        currency_months.mrr_local * fx_rates.rate_to_reporting as mrr_reporting
    from currency_months
    left join fx_rates
        on
            currency_months.currency = fx_rates.currency
            and currency_months.month = fx_rates.month

),

account_month_totals as (

    select
        account_id,
        month,
        sum(mrr_reporting) as mrr_reporting
    from converted
    group by account_id, month

),

first_paid_months as (

    select
        account_id,
        min(month) as first_mrr_month
    from account_month_totals
    where {{ round_to('mrr_reporting', 6) }} > 0
    group by account_id

),

spine as (

    select
        first_paid_months.account_id,
        first_paid_months.first_mrr_month,
        cast(months.month_start as date) as month
    from first_paid_months
    cross join as_of,
        {{ month_series_rows('cast(first_paid_months.first_mrr_month as timestamp)', 'cast(as_of.as_of_month as timestamp)', 'months', 'month_start') }}

),

-- every currency an account ever billed in, on every month of its series, so last month's billing
-- in each currency can be restated at this month's rate
account_currencies as (

    select distinct
        account_id,
        currency
    from currency_months

),

spine_currencies as (

    select
        spine.account_id,
        spine.first_mrr_month,
        spine.month,
        cast({{ dbt.dateadd('month', -1, 'spine.month') }} as date) as previous_month,
        account_currencies.currency
    from spine
    inner join account_currencies
        on spine.account_id = account_currencies.account_id

),

restated as (

    select
        spine_currencies.account_id,
        spine_currencies.first_mrr_month,
        spine_currencies.month,
        spine_currencies.currency,
        coalesce(this_month.mrr_local, 0) * month_rate.rate_to_reporting as mrr_part,
        coalesce(last_month.mrr_local, 0) * month_rate.rate_to_reporting as previous_mrr_part,
        this_month.largest_product_id,
        this_month.mrr_local
    from spine_currencies
    left join currency_months as this_month
        on
            spine_currencies.account_id = this_month.account_id
            and spine_currencies.currency = this_month.currency
            and spine_currencies.month = this_month.month
    left join currency_months as last_month
        on
            spine_currencies.account_id = last_month.account_id
            and spine_currencies.currency = last_month.currency
            and spine_currencies.previous_month = last_month.month
    left join fx_rates as month_rate
        on
            spine_currencies.currency = month_rate.currency
            and spine_currencies.month = month_rate.month

),

account_months as (

    -- credits larger than charges never make MRR negative: an account pays 0 at the least
    select
        account_id,
        month,
        {{ any_value('first_mrr_month') }} as first_mrr_month,
        greatest(cast({{ round_to('sum(mrr_part)', 6) }} as decimal(38, 6)), 0) as mrr,
        greatest(cast({{ round_to('sum(previous_mrr_part)', 6) }} as decimal(38, 6)), 0) as previous_mrr,
        {{ first_value_ordered('largest_product_id', 'mrr_part desc, largest_product_id asc', where='mrr_local > 0') }}
            as plan_product_id
    from restated
    group by account_id, month

),

classified as (

    select
        *,
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
