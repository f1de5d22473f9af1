-- One row per Zendesk ticket's metrics, as the tool computed them (calendar and business minutes).
with

source as (

    select * from {{ source('support', 'zendesk_ticket_metrics') }}

),

renamed as (

    select
        {{ json_text('record', 'ticket_id') }} as ticket_id,
        try_cast({{ json_text('record', 'reply_time_in_minutes.calendar') }} as double) as first_reply_minutes,
        try_cast({{ json_text('record', 'reply_time_in_minutes.business') }} as double)
            as first_reply_business_minutes,
        try_cast({{ json_text('record', 'first_resolution_time_in_minutes.calendar') }} as double)
            as first_resolution_minutes,
        try_cast({{ json_text('record', 'first_resolution_time_in_minutes.business') }} as double)
            as first_resolution_business_minutes,
        try_cast({{ json_text('record', 'full_resolution_time_in_minutes.calendar') }} as double)
            as full_resolution_minutes,
        try_cast({{ json_text('record', 'full_resolution_time_in_minutes.business') }} as double)
            as full_resolution_business_minutes,
        try_cast({{ json_text('record', 'reopens') }} as integer) as reopens,
        try_cast({{ json_text('record', 'replies') }} as integer) as replies,
        {{ parse_timestamp(json_text('record', 'solved_at')) }} as solved_at,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by {{ json_text('record', 'ticket_id') }} order by {{ latest_record_order() }}
        ) as recency_rank
    from source

),

final as (

    select * exclude (recency_rank)
    from renamed
    where recency_rank = 1

)

select * from final
