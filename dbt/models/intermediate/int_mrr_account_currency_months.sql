-- MRR per account × month × currency, in the currency of the invoices (before conversion).
-- A period [start, end) counts in month m (N = the first instant of the month after m):
--   end_of_month (default): start < N and end >= N — it covers m's last instant;
--   any_overlap:            start < N and end > the first instant of m.
-- Months after as_of_month are never produced; an open-ended period runs to as_of_month.
with

periods as (

    select * from {{ ref('int_subscription_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

period_months as (

    select
        periods.*,
        cast({{ dbt.date_trunc('month', 'periods.period_start_at') }} as date) as first_month,
        case
            when periods.period_end_at is null then as_of.as_of_month
            {% if var('mrr_month_membership') == 'any_overlap' %}
            else cast({{ dbt.date_trunc('month', dbt.dateadd('microsecond', -1, 'periods.period_end_at')) }} as date)
            {% elif var('mrr_month_membership') == 'end_of_month' %}
            else cast({{ dbt.dateadd('month', -1, dbt.date_trunc('month', 'periods.period_end_at')) }} as date)
            {% else %}
            {{ exceptions.raise_compiler_error("var mrr_month_membership must be end_of_month or any_overlap, not " ~ var('mrr_month_membership')) }}
            {% endif %}
        end as last_month_uncapped,
        as_of.as_of_month
    from periods
    cross join as_of

),

expanded as (

    select
        period_months.account_id,
        period_months.currency,
        period_months.product_id,
        period_months.monthly_amount_local,
        cast(month_start as date) as month
    from period_months,
        unnest(generate_series(
            cast(period_months.first_month as timestamp),
            cast(least(period_months.last_month_uncapped, period_months.as_of_month) as timestamp),
            interval 1 month
        )) as months (month_start)
    where period_months.first_month <= least(period_months.last_month_uncapped, period_months.as_of_month)

),

final as (

    select
        account_id,
        month,
        currency,
        sum(monthly_amount_local) as mrr_local,
        -- the plan of the account's largest item that month (plan_tier)
        arg_max(product_id, monthly_amount_local) as largest_product_id
    from expanded
    group by account_id, month, currency

)

select * from final
