-- An analyst's own model (the example of docs/analysts.md): MRR and paying accounts by month and
-- segment. Models in models/analysts/ become views in schema `analysts`, build alone with
-- `dbt build --select analysts`, and appear in Dagster's asset graph (group `analysts`) with no
-- Python change.
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

),

account_segments as (

    select
        account_id,
        segment
    from accounts

),

final as (

    select
        account_months.month,
        account_segments.segment,
        sum(account_months.mrr) as mrr,
        count(*) filter (where account_months.mrr > 0) as paying_accounts
    from account_months
    inner join account_segments
        on account_months.account_id = account_segments.account_id
    group by account_months.month, account_segments.segment

)

select * from final
