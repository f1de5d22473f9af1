-- Why accounts leave: per month × churn reason × segment × journey_path, the churn events, the
-- accounts that churned, were refunded and came back, and the refunds (reporting currency). From the
-- generic profile's churn_events.csv (intermediate/revenue/int_churn_events); rows without an account
-- or a readable date are left out here and listed in mart_unmatched_records.
with

churn_events as (

    select * from {{ ref('int_churn_events') }}
    where is_countable

),

final as (

    select
        month,
        reason,
        segment,
        journey_path,
        count(*) as churn_events,
        count(distinct account_id) as churned_accounts,
        count(distinct account_id) filter (where refund_amount > 0) as refunded_accounts,
        cast(coalesce(sum(refund_amount), 0) as decimal(38, 6)) as refund_amount,
        count(distinct account_id) filter (where is_reactivated) as reactivated_accounts,
        {{ divide('count(distinct account_id) filter (where is_reactivated)', 'count(distinct account_id)') }} as reactivation_rate
    from churn_events
    group by month, reason, segment, journey_path

)

select * from final
