-- One row per Zendesk user (end-users request tickets; agents answer them).
with

source as (

    select * from {{ source('support', 'zendesk_users') }}

),

renamed as (

    select
        {{ json_text('record', 'id') }} as zendesk_user_id,
        {{ normalize_email(json_text('record', 'email')) }} as email,
        {{ json_text('record', 'organization_id') }} as zendesk_organization_id,
        lower({{ json_text('record', 'role') }}) as role,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (
            partition by {{ json_text('record', 'id') }} order by {{ latest_record_order() }}
        ) as recency_rank
    from source

),

final as (

    select * exclude (recency_rank)
    from renamed
    where recency_rank = 1

)

select * from final
