-- Moves between lifecycle rungs per month (feeds a Sankey): from_stage → to_stage counts.
--   * ladder moves: from one occupied rung to the next (int_account_stage_spells); the first one comes
--     from `start`; a move over rungs that took no time is a `skip`;
--   * backward moves recorded in the CRM: a rung whose own CRM date is later than a higher rung's entry,
--     from the rung the account was on then;
--   * churn: from the rung the account was on → `churned`; reactivation: `churned` → `reactivated`.
-- month is the month of the move (of the to-stage's entry, or of the churn/reactivation movement).
with

spells as (

    select * from {{ ref('int_account_stage_spells') }}

),

stages as (

    select * from {{ ref('fct_lifecycle_stages') }}

),

status_changes as (

    select * from {{ ref('int_account_status_changes') }}

),

ladder as (

    {{ lifecycle_stage_rows() }}

),

ladder_moves as (

    select
        account_id,
        coalesce(lag(stage) over account_spells, 'start') as from_stage,
        stage as to_stage,
        valid_from as moved_at
    from spells
    window account_spells as (partition by account_id order by valid_from)

),

backward_moves as (

    select
        stages.account_id,
        spells.stage as from_stage,
        stages.stage as to_stage,
        stages.evidence_at as moved_at
    from stages
    inner join spells
        on
            stages.account_id = spells.account_id
            and stages.evidence_at >= spells.valid_from
            and (stages.evidence_at < spells.valid_to or spells.valid_to is null)
    where
        stages.is_out_of_order
        and stages.evidence_trigger in ('crm_company_stage_date', 'crm_contact_stage_date')
        and spells.stage_order > stages.stage_order

),

status_moves as (

    select
        status_changes.account_id,
        case status_changes.status when 'churned' then coalesce(spells.stage, 'customer') else 'churned' end as from_stage,
        status_changes.status as to_stage,
        status_changes.changed_at as moved_at,
        status_changes.month
    from status_changes
    left join spells
        on
            status_changes.status = 'churned'
            and status_changes.account_id = spells.account_id
            and status_changes.changed_at >= spells.valid_from
            and (status_changes.changed_at < spells.valid_to or spells.valid_to is null)

),

moves as (

    select
        account_id,
        from_stage,
        to_stage,
        moved_at,
        cast({{ dbt.date_trunc('month', 'moved_at') }} as date) as month
    from ladder_moves
    union all
    select
        account_id,
        from_stage,
        to_stage,
        moved_at,
        cast({{ dbt.date_trunc('month', 'moved_at') }} as date) as month
    from backward_moves
    union all
    select
        account_id,
        from_stage,
        to_stage,
        moved_at,
        month
    from status_moves

),

classified as (

    select
        moves.*,
        from_ladder.stage_order as from_stage_order,
        to_ladder.stage_order as to_stage_order,
        case
            when moves.to_stage = 'churned' then 'churn'
            when moves.to_stage = 'reactivated' then 'reactivation'
            when moves.from_stage = 'start' then 'start'
            when to_ladder.stage_order < from_ladder.stage_order then 'backward'
            when to_ladder.stage_order = from_ladder.stage_order + 1 then 'forward'
            else 'skip'
        end as transition_type
    from moves
    left join ladder as from_ladder on moves.from_stage = from_ladder.stage
    left join ladder as to_ladder on moves.to_stage = to_ladder.stage

),

final as (

    select
        month,
        from_stage,
        to_stage,
        {{ any_value('transition_type') }} as transition_type,
        {{ any_value('from_stage_order') }} as from_stage_order,
        {{ any_value('to_stage_order') }} as to_stage_order,
        cast(count(*) as bigint) as transitions,
        cast(count(distinct account_id) as bigint) as accounts
    from classified
    group by month, from_stage, to_stage

)

select * from final
