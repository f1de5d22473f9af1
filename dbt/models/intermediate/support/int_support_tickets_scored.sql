-- One row per ticket created on or before as_of_date, with its CSAT on one footing (good/bad, or
-- 1–5 where var csat_good_min_score and above is good) and its first-reply SLA: the target of its
-- priority (var support_sla_target_minutes) and whether it was breached — first reply later than
-- the target, or no reply and older than the target at as_of (the end of as_of_date).
{%- set sla_targets = var('support_sla_target_minutes') %}
{%- set unset_priority = var('support_sla_unset_priority') %}
{%- set reply_column = 'first_reply_business_minutes' if var('support_sla_clock') == 'business' else 'first_reply_minutes' %}
with

tickets as (

    select * from {{ ref('int_support_tickets') }}

),

as_of as (

    select
        *,
        {{ dbt.dateadd('day', 1, 'cast(as_of_date as timestamp)') }} as as_of_at
    from {{ ref('int_as_of') }}

),

in_range as (

    select
        tickets.*,
        as_of.as_of_at
    from tickets
    cross join as_of
    where
        tickets.created_at is not null
        and tickets.created_at < as_of.as_of_at

),

csat_parsed as (

    select
        *,
        lower(trim(satisfaction_score_raw)) as csat_raw,
        {{ try_cast(try_cast('trim(satisfaction_score_raw)', 'double'), 'integer') }} as csat_number
    from in_range

),

csat_mapped as (

    select
        *,
        case
            when csat_raw like 'good%' then 'good'
            when csat_raw like 'bad%' then 'bad'
            when csat_number between 1 and 5 then cast(csat_number as varchar)
        end as csat,
        case
            when csat_raw like 'good%' or csat_raw like 'bad%' then 'good_bad'
            when csat_number between 1 and 5 then 'one_to_five'
        end as csat_scale,
        case when csat_number between 1 and 5 then csat_number end as csat_score
    from csat_parsed

),

sla_targets as (

    select
        *,
        case
            when csat = 'good' then true
            when csat = 'bad' then false
            when csat_score is not null then csat_score >= {{ var('csat_good_min_score') }}
        end as is_csat_good,
        case
            when csat is not null or csat_raw = 'offered' then true
            when csat_raw in ('unoffered', 'not offered') then false
        end as is_csat_offered,
        coalesce(priority, {{ "'" ~ unset_priority ~ "'" if unset_priority else 'cast(null as varchar)' }})
            as sla_priority,
        {{ reply_column }} as sla_reply_minutes,
        {{ dbt.datediff('created_at', 'coalesce(solved_at, as_of_at)' if var('support_sla_unreplied_clock_stops_at_solve') else 'as_of_at', 'minute') }}
            as unreplied_age_minutes
    from csat_mapped

),

sla_assessed as (

    select
        *,
        case sla_priority
            {%- for priority, minutes in sla_targets.items() %}
                when '{{ priority }}' then {{ minutes }}
            {%- endfor %}
        end as sla_target_minutes
    from sla_targets

),

final as (

    select
        ticket_id,
        account_id,
        match_method,
        created_at,
        solved_at,
        status,
        -- the UI CSV's Via labels in the API's via.channel vocabulary
        case
            when channel in ('mail', 'email') then 'email'
            when channel like 'web%' then 'web'
            when channel like 'phone%' or channel = 'voice' then 'voice'
            else channel
        end as channel,
        priority,
        ticket_type,
        subject,
        tags,
        first_reply_minutes,
        first_reply_business_minutes,
        first_resolution_minutes,
        first_resolution_business_minutes,
        full_resolution_minutes,
        full_resolution_business_minutes,
        reopens,
        replies,
        first_reply_minutes is not null or coalesce(replies, 0) > 0 as has_reply,
        satisfaction_score_raw,
        csat,
        csat_scale,
        csat_score,
        is_csat_good,
        is_csat_offered,
        sla_priority,
        sla_target_minutes,
        case
            when sla_target_minutes is null then null
            when sla_reply_minutes is not null then sla_reply_minutes > sla_target_minutes
            -- replied, but the export does not say when: unknown
            when coalesce(replies, 0) > 0 then null
            else unreplied_age_minutes > sla_target_minutes
        end as is_sla_breached,
        source_shape
    from sla_assessed

)

select * from final
