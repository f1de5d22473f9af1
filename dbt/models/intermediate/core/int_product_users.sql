-- One row per product user id: its email (latest seen), the CRM company its calls carry most
-- recently (groupId), resolved to an account; and every anonymous id stitched to it by identify.
with

events as (

    select * from {{ ref('stg_product__events') }}

),

users as (

    select
        user_id,
        {{ arg_max('email', 'row(occurred_at, email)', where='email is not null and occurred_at is not null') }} as email,
        {{ arg_max(
            'crm_company_id', 'row(occurred_at, crm_company_id)',
            where='crm_company_id is not null and occurred_at is not null'
        ) }} as carried_company_id,
        cast(null as varchar) as record_domain,
        min(occurred_at) as first_seen_at
    from events
    where user_id is not null
    group by user_id

),

final as (

    {{ resolve_account('users') }}

)

select * from final
