-- One row per account × lifecycle rung reached (marts.md, Lifecycle): when it was entered and left,
-- what moved it there, and whether it was skipped. Churn is a status beside the ladder: churned_at is
-- set on every row of an account whose latest status change is a churn.
with

ladder as (

    select * from {{ ref('int_account_lifecycle_ladder') }}

),

status_changes as (

    select * from {{ ref('int_account_status_changes') }}

),

current_status as (

    select
        account_id,
        {{ arg_max('status', list_literal([epoch_seconds('changed_at'), "case status when 'churned' then 0 else 1 end"])) }} as latest_status,
        max(changed_at) filter (where status = 'churned') as latest_churned_at
    from status_changes
    group by account_id

),

final as (

    select
        ladder.account_id,
        ladder.stage,
        ladder.stage_order,
        ladder.entered_at,
        ladder.exited_at,
        cast({{ round_to('ladder.days_in_stage', 4) }} as double) as days_in_stage,
        ladder.entry_trigger,
        ladder.entry_record_id,
        ladder.is_skipped,
        ladder.is_out_of_order,
        ladder.evidence_at,
        ladder.evidence_trigger,
        ladder.is_current,
        case when current_status.latest_status = 'churned' then current_status.latest_churned_at end as churned_at,
        coalesce(current_status.latest_status = 'churned', false) as is_churned
    from ladder
    left join current_status on ladder.account_id = current_status.account_id

)

select * from final
