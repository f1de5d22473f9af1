-- One row per Intercom conversation, from a conversations report's CSV export, in the columns of
-- stg_zendesk__tickets (int_support_tickets reads both). Ids are prefixed `intercom:` so they never
-- meet a Zendesk ticket id. Times are read in the time zone their header names
-- (`Conversation started at (America/New_York)`) and stored in UTC. A conversation is solved at its
-- last close while its state is closed (a reopened one is not solved). Durations are in seconds in
-- the export, minutes here. Of a conversation's versions, the latest `Conversation updated at` wins,
-- then the latest export (macros/parsing.sql).
with

source as (

    {{ with_export_time(source('support', 'intercom_conversations'), 'intercom_conversations') }}

),

renamed as (

    select
        'intercom:' || trim("Conversation ID") as ticket_id,
        coalesce(
            {{ zoned_time_column(source('support', 'intercom_conversations'), 'Conversation started at') }},
            {{ zoned_time_column(source('support', 'intercom_conversations'), 'Conversation created at') }}
        ) as created_at,
        {{ zoned_time_column(source('support', 'intercom_conversations'), 'Conversation updated at') }} as updated_at,
        case
            when lower(trim("Current conversation state")) = 'closed'
                then {{ zoned_time_column(source('support', 'intercom_conversations'), 'Conversation last closed at') }}
        end as solved_at,
        lower(nullif(trim("Current conversation state"), '')) as status,
        cast(null as varchar) as priority,
        nullif(trim("Ticket type"), '') as ticket_type,
        nullif(trim("Title"), '') as subject,
        {{ split_lower_nonempty('coalesce("Conversation tag", \'\')', ',') }} as tags,
        lower(nullif(trim("Channel"), '')) as channel,
        {{ normalize_email('"User email"') }} as requester_email,
        nullif(trim("Company ID"), '') as intercom_company_id,
        nullif(trim("Company name"), '') as organization_name,
        nullif(trim("Team currently assigned"), '') as group_name,
        nullif(trim("Last teammate rating"), '') as satisfaction_score_raw,
        {{ parse_number('"First response time (seconds)"') }} / 60.0 as first_reply_minutes,
        {{ parse_number('"First response time, only within office hours (seconds)"') }} / 60.0
            as first_reply_business_minutes,
        {{ parse_number('"Time to first close (seconds)"') }} / 60.0 as first_resolution_minutes,
        {{ parse_number('"Time to first close, within office hours (seconds)"') }} / 60.0
            as first_resolution_business_minutes,
        {{ parse_number('"Time to close (seconds)"') }} / 60.0 as full_resolution_minutes,
        {{ parse_number('"Time to close, within office hours (seconds)"') }} / 60.0
            as full_resolution_business_minutes,
        'intercom_csv' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        _row_hash,
        _file_modified_at,
        {{ zoned_time_column(source('support', 'intercom_conversations'), 'Conversation updated at') }}
            as version_updated_at
    from source
    where nullif(trim("Conversation ID"), '') is not null

),

{{ winning_versions('renamed', 'ticket_id', ['version_updated_at']) }},

final as (

    select * from winning_versions

)

select * from final
