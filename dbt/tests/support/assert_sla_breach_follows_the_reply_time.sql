-- Fails when a ticket's SLA flag contradicts its own numbers: a reply time above the target not
-- flagged (or one at or under it flagged), a target that is not the priority's, or a CSAT marked
-- good that is neither `good` nor 4–5. A failure means the breach or CSAT rules drifted.
with

tickets as (

    select * from {{ ref('fct_support_tickets') }}

),

final as (

    select
        ticket_id,
        priority,
        sla_target_minutes,
        first_reply_minutes,
        is_sla_breached,
        csat,
        is_csat_good
    from tickets
    where (
        {{ 'first_reply_business_minutes' if var('support_sla_clock') == 'business' else 'first_reply_minutes' }}
        is not null
        and sla_target_minutes is not null
        and is_sla_breached is distinct from (
            {{ 'first_reply_business_minutes' if var('support_sla_clock') == 'business' else 'first_reply_minutes' }}
            > sla_target_minutes
        )
    )
    {%- for priority, minutes in var('support_sla_target_minutes').items() %}
        or (priority = '{{ priority }}' and sla_target_minutes <> {{ minutes }})
    {%- endfor %}
    or (is_csat_good and csat not in ('good', '4', '5'))
    or (not is_csat_good and csat not in ('bad', '1', '2', '3'))

)

select * from final
