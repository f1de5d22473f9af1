-- The lifecycle ladder: one row per account × rung reached, with when it was entered and left.
-- Rules (docs/lifecycle.md):
--   1. Post-sale rungs (onboarded … advocate) count only for accounts that became customers, and
--      their evidence counts from the customer date at the earliest (a trial activation makes the
--      account onboarded when it buys).
--   2. Every rung below the highest rung with evidence is reached; a rung is entered at its own
--      evidence or at the entry of the next rung up, whichever is earlier. A rung without evidence is
--      skipped (entered with the next rung); a rung whose evidence is later than a higher rung's entry
--      (a backward move in the CRM, or a milestone met late) is out of order and entered with it.
{%- set customer_order = lifecycle_customer_order() %}
with

evidence as (

    select * from {{ ref('int_lifecycle_stage_evidence') }}

),

ladder as (

    {{ lifecycle_stage_rows() }}

),

as_of as (

    select
        *,
        {{ dbt.dateadd('day', 1, 'cast(as_of_date as timestamp)') }} as as_of_end_at
    from {{ ref('int_as_of') }}

),

customers as (

    select
        account_id,
        evidence_at as customer_at
    from evidence
    where stage_order = {{ customer_order }}

),

gated as (

    select
        evidence.account_id,
        evidence.stage_order,
        evidence.evidence_at,
        evidence.entry_trigger,
        evidence.entry_record_id,
        case
            when evidence.stage_order > {{ customer_order }} then greatest(evidence.evidence_at, customers.customer_at)
            else evidence.evidence_at
        end as ladder_at
    from evidence
    left join customers on evidence.account_id = customers.account_id
    where evidence.stage_order <= {{ customer_order }} or customers.customer_at is not null

),

highest_rungs as (

    select
        account_id,
        max(stage_order) as highest_stage_order
    from gated
    group by account_id

),

grid as (

    select
        highest_rungs.account_id,
        highest_rungs.highest_stage_order,
        ladder.stage,
        ladder.stage_order
    from highest_rungs
    inner join ladder on highest_rungs.highest_stage_order >= ladder.stage_order

),

keyed as (

    select
        grid.account_id,
        grid.stage,
        grid.stage_order,
        grid.highest_stage_order,
        gated.evidence_at,
        gated.ladder_at,
        gated.entry_trigger,
        gated.entry_record_id,
        -- the earliest entry from this rung up wins; on a tie, the lowest rung (this one, when tied)
        case when gated.ladder_at is not null then {{ list_literal([epoch_seconds('gated.ladder_at'), 'grid.stage_order']) }} end as rung_key
    from grid
    left join gated
        on
            grid.account_id = gated.account_id
            and grid.stage_order = gated.stage_order

),

filled as (

    select
        account_id,
        stage,
        stage_order,
        highest_stage_order,
        evidence_at,
        ladder_at,
        entry_trigger as evidence_trigger,
        entry_record_id as evidence_record_id,
        min(ladder_at) over rungs_from_here_up as entered_at,
        {{ window_arg_min('stage', 'rung_key', 'rungs_from_here_up') }} as entered_with_stage,
        {{ window_arg_min('entry_trigger', 'rung_key', 'rungs_from_here_up') }} as entered_with_trigger,
        {{ window_arg_min('entry_record_id', 'rung_key', 'rungs_from_here_up') }} as entered_with_record_id
    from keyed
    window rungs_from_here_up as (
        partition by account_id order by stage_order desc
        rows between unbounded preceding and current row
    )

),

final as (

    select
        filled.account_id,
        filled.stage,
        filled.stage_order,
        filled.entered_at,
        lead(filled.entered_at) over (partition by filled.account_id order by filled.stage_order) as exited_at,
        {{ lifecycle_days_between(
            'filled.entered_at',
            'coalesce(lead(filled.entered_at) over (partition by filled.account_id order by filled.stage_order), greatest(as_of.as_of_end_at, filled.entered_at))'
        ) }} as days_in_stage,
        case
            when filled.entered_with_stage = filled.stage then filled.entered_with_trigger
            else 'implied_by:' || filled.entered_with_stage
        end as entry_trigger,
        filled.entered_with_record_id as entry_record_id,
        filled.evidence_at is null as is_skipped,
        coalesce(filled.ladder_at > filled.entered_at, false) as is_out_of_order,
        filled.evidence_at,
        filled.evidence_trigger,
        filled.evidence_record_id,
        filled.stage_order = filled.highest_stage_order as is_current
    from filled
    cross join as_of

)

select * from final
