-- One row per product event, resolved to an account: the event's own groupId when it is a CRM
-- company, else its user's account, else (anonymous page views) the account of the user that an
-- identify call tied the anonymous id to.
with

events as (

    select * from {{ ref('stg_product__events') }}

),

users as (

    select * from {{ ref('int_product_users') }}

),

companies as (

    select crm_company_id from {{ ref('stg_hubspot__companies') }}

),

anonymous_links as (

    select anonymous_id, {{ arg_min('user_id', 'occurred_at') }} as user_id
    from events
    where call_type = 'identify' and anonymous_id is not null and user_id is not null
    group by anonymous_id

),

resolved as (

    select
        events.*,
        coalesce(events.user_id, anonymous_links.user_id) as resolved_user_id,
        coalesce(companies.crm_company_id, direct_user.account_id, stitched_user.account_id) as account_id,
        case
            when companies.crm_company_id is not null then 'crm_company_id'
            when direct_user.account_id is not null then 'user'
            when stitched_user.account_id is not null then 'anonymous_id'
        end as match_method
    from events
    left join companies on events.crm_company_id = companies.crm_company_id
    left join users as direct_user on events.user_id = direct_user.user_id
    left join anonymous_links on events.anonymous_id = anonymous_links.anonymous_id
    left join users as stitched_user on anonymous_links.user_id = stitched_user.user_id

),

generic_events as (

    -- the generic profile names the account directly
    select *, 'track' as call_type, user_id as resolved_user_id, 'generic' as match_method
    from {{ ref('stg_generic__events') }}

),

final as (

    {{ union_all_by_name_ctes(
        'resolved', relation_column_names(ref('stg_product__events')) + ['resolved_user_id', 'account_id', 'match_method'],
        'generic_events', relation_column_names(ref('stg_generic__events')) + ['call_type', 'resolved_user_id', 'match_method']
    ) }}

)

select * from final
