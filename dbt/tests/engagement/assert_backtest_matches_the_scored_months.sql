-- Fails when mart_health_backtest's accounts or churned accounts per month and band differ from the
-- scored rows of mart_account_health: the backtest would then not describe the score users see.
{{ config(meta={'dagster': {'ref': {'name': 'mart_health_backtest'}}}) }}
with

health as (

    select * from {{ ref('mart_account_health') }}

),

backtest as (

    select * from {{ ref('mart_health_backtest') }}

),

scored as (

    select
        month,
        health_band,
        count(*) as accounts,
        count(*) filter (where has_churned_within_90_days) as churned_accounts
    from health
    group by month, health_band

),

final as (

    select
        coalesce(scored.month, backtest.month) as month,
        coalesce(scored.health_band, backtest.health_band) as band
    from scored
    full outer join backtest on scored.month = backtest.month and scored.health_band = backtest.health_band
    where
        scored.accounts is distinct from backtest.accounts
        or scored.churned_accounts is distinct from backtest.churned_accounts

)

select * from final
