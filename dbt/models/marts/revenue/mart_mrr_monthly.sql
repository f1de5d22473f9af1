-- One row per month, from the first month with MRR to as_of_month: the MRR bridge (starting + new +
-- expansion + reactivation − contraction − churned = ending, to the cent), customer counts and the
-- ratios. A ratio whose denominator is zero is null, never zero.
with

account_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

monthly as (

    select
        month,
        sum(previous_mrr) as starting_mrr,
        sum(case when movement = 'new' then movement_mrr else 0 end) as new_mrr,
        sum(case when movement = 'expansion' then movement_mrr else 0 end) as expansion_mrr,
        sum(case when movement = 'reactivation' then movement_mrr else 0 end) as reactivation_mrr,
        sum(case when movement = 'contraction' then movement_mrr else 0 end) as contraction_mrr,
        sum(case when movement = 'churn' then movement_mrr else 0 end) as churned_mrr,
        sum(mrr) as ending_mrr,
        count(case when previous_mrr > 0 then 1 end) as starting_customers,
        count(case when mrr > 0 then 1 end) as customers,
        count(case when movement = 'new' then 1 end) as new_customers,
        count(case when movement = 'reactivation' then 1 end) as reactivated_customers,
        count(case when movement = 'expansion' then 1 end) as expanded_customers,
        count(case when movement = 'contraction' then 1 end) as contracted_customers,
        count(case when movement = 'churn' then 1 end) as churned_customers
    from account_months
    group by month

),

with_previous as (

    select
        *,
        lag(ending_mrr) over (order by month) as previous_ending_mrr
    from monthly

),

final as (

    select
        month,
        cast(starting_mrr as decimal(38, 6)) as starting_mrr,
        cast(new_mrr as decimal(38, 6)) as new_mrr,
        cast(expansion_mrr as decimal(38, 6)) as expansion_mrr,
        cast(reactivation_mrr as decimal(38, 6)) as reactivation_mrr,
        cast(contraction_mrr as decimal(38, 6)) as contraction_mrr,
        cast(churned_mrr as decimal(38, 6)) as churned_mrr,
        cast(ending_mrr as decimal(38, 6)) as ending_mrr,
        cast(12 * ending_mrr as decimal(38, 6)) as arr,
        cast(customers as bigint) as customers,
        cast(new_customers as bigint) as new_customers,
        cast(churned_customers as bigint) as churned_customers,
        cast(churned_customers as double) / nullif(starting_customers, 0) as logo_churn_rate,
        cast(churned_mrr + contraction_mrr as double) / nullif(starting_mrr, 0) as gross_mrr_churn_rate,
        cast(churned_mrr + contraction_mrr - expansion_mrr - reactivation_mrr as double)
        / nullif(starting_mrr, 0) as net_mrr_churn_rate,
        cast(new_mrr + expansion_mrr + reactivation_mrr as double)
        / nullif(contraction_mrr + churned_mrr, 0) as quick_ratio,
        cast(ending_mrr as double) / nullif(customers, 0) as arpa,
        cast(starting_customers as bigint) as starting_customers,
        cast(reactivated_customers as bigint) as reactivated_customers,
        cast(expanded_customers as bigint) as expanded_customers,
        cast(contracted_customers as bigint) as contracted_customers,
        -- starting_mrr restates last month's ending MRR at this month's exchange rates; the
        -- difference is currency translation, not a movement (0 when everything bills in the
        -- reporting currency)
        cast(starting_mrr - coalesce(previous_ending_mrr, 0) as decimal(38, 6)) as fx_restatement_mrr
    from with_previous

)

select * from final
