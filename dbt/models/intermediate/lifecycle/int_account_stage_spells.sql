-- One row per account × spell on a lifecycle rung: the account was on `stage` from valid_from
-- (inclusive) to valid_to (exclusive; null while it still is). The stage at time t is the spell with
-- valid_from <= t < coalesce(valid_to, infinity); before its first spell an account has no stage.
-- Skipped and out-of-order rungs last no time and have no spell. Churn is a status beside the
-- ladder (int_account_status_changes), not a spell: a churned account stays on its rung.
with

ladder as (

    select * from {{ ref('int_account_lifecycle_ladder') }}

),

final as (

    select
        account_id,
        stage,
        stage_order,
        entered_at as valid_from,
        exited_at as valid_to
    from ladder
    where exited_at is null or exited_at > entered_at

)

select * from final
