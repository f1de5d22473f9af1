-- One row per churn event (the generic profile's churn_events.csv), with what the churn analysis
-- groups by: the month, the reason (trimmed, lower-case, runs of spaces as one; none → unspecified),
-- the account's segment and journey_path (unknown when the account or its path is unknown), the
-- refund in the reporting currency (minor units ÷ 10^digits of var reporting_currency when
-- mapping.yml says minor_units: true) and whether the account came back (reactivated: true, yes, y,
-- 1, t, or a date). Rows without an account or a readable date are kept (is_countable false) and
-- listed in mart_unmatched_records.
with

churn_events as (

    select * from {{ ref('stg_generic__churn_events') }}

),

accounts as (

    select * from {{ ref('int_accounts') }}

),

journey_paths as (

    select * from {{ ref('int_account_journey_paths') }}

),

currencies as (

    select * from {{ ref('currencies') }}

),

reporting_currency as (

    select coalesce(max(minor_unit_digits), 2) as minor_unit_digits
    from currencies
    where currency = lower('{{ var("reporting_currency") }}')

),

final as (

    select
        churn_events.churn_event_id,
        churn_events.account_id,
        churn_events.churned_at,
        cast(churn_events.churned_at as date) as churn_date,
        cast(date_trunc('month', churn_events.churned_at) as date) as month,
        coalesce(
            nullif(lower(regexp_replace(trim(churn_events.reason_raw), '\s+', ' ', 'g')), ''), 'unspecified'
        ) as reason,
        churn_events.reason_raw,
        coalesce(
            churn_events.refund_amount,
            churn_events.refund_amount_minor_units / power(10, reporting_currency.minor_unit_digits)
        ) as refund_amount,
        coalesce(
            churn_events.reactivated_raw in ('true', 'yes', 'y', '1', 't') or churn_events.reactivated_at is not null,
            false
        ) as is_reactivated,
        churn_events.reactivated_at,
        coalesce(accounts.segment, 'unknown') as segment,
        coalesce(journey_paths.journey_path, 'unknown') as journey_path,
        accounts.account_id is not null as is_known_account,
        churn_events.account_id is not null and churn_events.churned_at is not null as is_countable,
        case
            when churn_events.account_id is null then 'churn event names no account'
            when churn_events.churned_at is null
                then 'churned_at ' || coalesce('''' || nullif(trim(churn_events.churned_at_raw), '') || '''', 'empty') || ' is not a date'
            when accounts.account_id is null then 'account not in accounts.csv or subscriptions.csv'
        end as unmatched_reason
    from churn_events
    cross join reporting_currency
    left join accounts on churn_events.account_id = accounts.account_id
    left join journey_paths on churn_events.account_id = journey_paths.account_id

)

select * from final
