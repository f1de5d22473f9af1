-- Fails when an engagement segment contradicts the account-month's MRR or use: active without MRR
-- or without an active user, dormant with one, churned or free_active while paying, free_active for
-- an account that has paid before. A failure means the segment rules drifted from the spec.
{{ config(meta={'dagster': {'ref': {'name': 'mart_engagement_monthly'}}}) }}
with

engagement as (

    select * from {{ ref('mart_engagement_monthly') }}

),

mrr_months as (

    select * from {{ ref('fct_mrr_account_month') }}

),

first_paid as (

    select
        account_id,
        min(month) as first_paid_month
    from mrr_months
    where mrr > 0
    group by account_id

),

final as (

    select
        engagement.account_id,
        engagement.month,
        engagement.engagement_segment
    from engagement
    left join first_paid on engagement.account_id = first_paid.account_id
    where
        (engagement.engagement_segment = 'active' and not (engagement.is_paying and engagement.active_users > 0))
        or (engagement.engagement_segment = 'dormant' and not (engagement.is_paying and engagement.active_users = 0))
        or (engagement.engagement_segment in ('churned', 'free_active') and engagement.is_paying)
        or (engagement.engagement_segment = 'free_active' and first_paid.first_paid_month <= engagement.month)
        or (engagement.engagement_segment = 'churned' and first_paid.first_paid_month is null)

)

select * from final
