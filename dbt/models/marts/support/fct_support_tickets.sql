-- One row per support ticket (both Zendesk shapes), created on or before as_of_date: the account,
-- the tool's own reply and resolution minutes (calendar and business), CSAT on both scales, the
-- first-reply SLA target and breach, and the account's lifecycle stage when the ticket was created.
with

tickets as (

    select * from {{ ref('int_support_tickets_scored') }}

),

spells as (

    select * from {{ ref('int_account_stage_spells') }}

),

stage_at_creation as (

    select
        tickets.ticket_id,
        {{ arg_max('spells.stage', 'spells.stage_order') }} as lifecycle_stage_at_creation
    from tickets
    inner join spells
        on
            tickets.account_id = spells.account_id
            and tickets.created_at >= spells.valid_from
            and (spells.valid_to is null or tickets.created_at < spells.valid_to)
    group by tickets.ticket_id

),

final as (

    select
        tickets.ticket_id,
        tickets.account_id,
        tickets.created_at,
        cast({{ dbt.date_trunc('month', 'tickets.created_at') }} as date) as month,
        tickets.solved_at,
        tickets.status,
        tickets.channel,
        tickets.priority,
        tickets.ticket_type,
        tickets.subject,
        tickets.tags,
        tickets.first_reply_minutes,
        tickets.first_reply_business_minutes,
        tickets.first_resolution_minutes,
        tickets.first_resolution_business_minutes,
        tickets.full_resolution_minutes,
        tickets.full_resolution_business_minutes,
        tickets.reopens,
        tickets.replies,
        tickets.has_reply,
        tickets.csat,
        tickets.csat_scale,
        tickets.csat_score,
        tickets.is_csat_good,
        tickets.is_csat_offered,
        tickets.sla_priority,
        tickets.sla_target_minutes,
        tickets.is_sla_breached,
        stage_at_creation.lifecycle_stage_at_creation,
        tickets.match_method,
        tickets.source_shape
    from tickets
    left join stage_at_creation on tickets.ticket_id = stage_at_creation.ticket_id

)

select * from final
