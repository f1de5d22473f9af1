-- mart_churn_reasons counts every countable churn event once and every refund once: its totals equal
-- int_churn_events' (rows with an account and a readable date). A failure means the mart loses or
-- doubles churn events (a join fanned out, or a group dropped a null).
with

events as (

    select count(*) as churn_events, coalesce(sum(refund_amount), 0) as refund_amount
    from {{ ref('int_churn_events') }}
    where is_countable

),

mart as (

    select coalesce(sum(churn_events), 0) as churn_events, coalesce(sum(refund_amount), 0) as refund_amount
    from {{ ref('mart_churn_reasons') }}

)

select events.*, mart.churn_events as mart_churn_events, mart.refund_amount as mart_refund_amount
from events
cross join mart
where events.churn_events <> mart.churn_events or abs(events.refund_amount - mart.refund_amount) > 0.000001
