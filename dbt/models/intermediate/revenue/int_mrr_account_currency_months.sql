-- MRR per account × month × currency, in the currency billed (conversion happens downstream).
-- A period [start, end) counts in month m, with M the first instant of m and N the first instant
-- of the month after m, by var mrr_month_membership:
--   end_of_month (default): start < N and end >= N — it covers m's last instant, so it counts in
--                           every month from start's month to the month before end's month;
--   any_overlap:            start < N and end > M — it counts in every month from start's month to
--                           the month of end's last instant.
-- An open-ended period (no end) counts in every month from its start to as_of_month. No month after
-- as_of_month is ever produced, whatever the period's end.
-- var mrr_as_of_month_snapshot (end_of_month only): month_end (default, the spec) takes as_of_month's
-- snapshot at its end like every month's; as_of_date takes it at the end of as_of_date instead, so
-- an export cut mid-month does not churn customers whose renewal is simply not invoiced yet.
{%- set membership = var('mrr_month_membership') %}
{%- set snapshot = var('mrr_as_of_month_snapshot') %}
{%- if membership not in ['end_of_month', 'any_overlap'] %}
    {{ exceptions.raise_compiler_error(
        "var mrr_month_membership must be end_of_month or any_overlap, not '" ~ membership ~ "'") }}
{%- endif %}
{%- if snapshot not in ['month_end', 'as_of_date'] %}
    {{ exceptions.raise_compiler_error(
        "var mrr_as_of_month_snapshot must be month_end or as_of_date, not '" ~ snapshot ~ "'") }}
{%- endif %}
{%- if membership == 'end_of_month' and snapshot == 'as_of_date' %}
    {%- set snapshot_at = dbt.dateadd('day', 1, 'cast(as_of_date as timestamp)') %}
{%- else %}
    {%- set snapshot_at = dbt.dateadd('month', 1, 'cast(as_of_month as timestamp)') %}
{%- endif %}
{#- the last month a closed period counts in, when it ends before the snapshot of as_of_month #}
{%- if membership == 'end_of_month' %}
    {%- set last_month_of_closed_period = dbt.dateadd('month', -1, dbt.date_trunc('month', 'periods.period_end_at')) %}
{%- else %}
    {%- set last_month_of_closed_period = dbt.date_trunc('month', dbt.dateadd('microsecond', -1, 'periods.period_end_at')) %}
{%- endif %}
with

periods as (

    select * from {{ ref('int_subscription_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of') }}

),

as_of_snapshot as (

    select
        as_of_month,
        -- the instant as_of_month's snapshot is taken at
        {{ snapshot_at }} as snapshot_at
    from as_of

),

period_months as (

    select
        periods.account_id,
        periods.currency,
        periods.product_id,
        periods.monthly_amount_local,
        case
            -- a period starting after the snapshot instant cannot count in as_of_month
            when periods.period_start_at >= as_of_snapshot.snapshot_at
                then cast({{ dbt.dateadd('month', 1, 'as_of_snapshot.as_of_month') }} as date)
            else cast({{ dbt.date_trunc('month', 'periods.period_start_at') }} as date)
        end as first_month,
        case
            when periods.period_end_at is null then as_of_snapshot.as_of_month
            -- live at the snapshot instant of as_of_month (any_overlap: the month's end)
            when periods.period_end_at >= as_of_snapshot.snapshot_at then as_of_snapshot.as_of_month
            else cast({{ last_month_of_closed_period }} as date)
        end as last_month,
        as_of_snapshot.as_of_month
    from periods
    cross join as_of_snapshot

),

bounded as (

    select
        *,
        case when last_month < as_of_month then last_month else as_of_month end as last_counted_month
    from period_months

),

expanded as (

    select
        bounded.account_id,
        bounded.currency,
        bounded.product_id,
        bounded.monthly_amount_local,
        cast(months.month_start as date) as month
    from bounded,
        {{ month_series_rows('cast(bounded.first_month as timestamp)', 'cast(bounded.last_counted_month as timestamp)', 'months', 'month_start') }}
    where bounded.first_month <= bounded.last_counted_month

),

final as (

    select
        account_id,
        month,
        currency,
        sum(monthly_amount_local) as mrr_local,
        count(*) as periods_counted,
        -- the plan (product) of the account's largest item this month: plan_tier downstream
        {{ first_value_ordered('product_id', 'monthly_amount_local desc, product_id asc') }} as largest_product_id
    from expanded
    group by account_id, month, currency

)

select * from final
