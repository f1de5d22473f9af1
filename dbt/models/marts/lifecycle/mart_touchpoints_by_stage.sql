-- The journey map: interactions per lifecycle stage (the account's rung at the moment of the
-- interaction) × touchpoint × month. Interactions before an account's first rung count in `visitor`.
with

touchpoints as (

    select * from {{ ref('int_lifecycle_touchpoints') }}

),

spells as (

    select * from {{ ref('int_account_stage_spells') }}

),

staged as (

    select
        touchpoints.account_id,
        touchpoints.touchpoint,
        touchpoints.record_id,
        cast({{ dbt.date_trunc('month', 'touchpoints.occurred_at') }} as date) as month,
        coalesce(spells.stage, 'visitor') as lifecycle_stage,
        coalesce(spells.stage_order, 0) as stage_order
    from touchpoints
    left join spells
        on
            touchpoints.account_id = spells.account_id
            and touchpoints.occurred_at >= spells.valid_from
            and (touchpoints.occurred_at < spells.valid_to or spells.valid_to is null)

),

final as (

    select
        month,
        lifecycle_stage,
        {{ any_value('stage_order') }} as stage_order,
        touchpoint,
        cast(count(*) as bigint) as interactions,
        cast(count(distinct account_id) as bigint) as accounts
    from staged
    group by month, lifecycle_stage, touchpoint

)

select * from final
