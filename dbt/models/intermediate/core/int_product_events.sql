-- One row per product event, resolved to an account: the event's own groupId when it is a CRM
-- company, else its user's account, else (anonymous page views) the account of the user that an
-- identify call tied the anonymous id to. Generic-profile events name their account, or a subscription
-- that subscriptions.csv ties to one account.
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

    select anonymous_id, {{ arg_min('user_id', 'row(occurred_at, user_id)', where='occurred_at is not null') }} as user_id
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

generic_subscription_accounts as (

    -- the generic profile's subscription → account (events.csv keyed by subscription)
    select
        subscription_id,
        min(account_id) as account_id,
        count(distinct account_id) as accounts
    from {{ ref('stg_generic__subscriptions') }}
    where subscription_id is not null and account_id is not null
    group by subscription_id

),

generic_events as (

    -- the generic profile names the account directly, or the subscription whose account it is; an
    -- event whose subscription is unknown (or names several accounts) keeps a null account and is
    -- counted in mart_unmatched_records
    select
        {{ star_except_relation(ref('stg_generic__events'), ['account_id'], relation_alias='generic') }},
        case
            when generic.account_id is not null then generic.account_id
            when subscription_accounts.accounts = 1 then subscription_accounts.account_id
        end as account_id,
        'track' as call_type,
        generic.user_id as resolved_user_id,
        case
            when generic.account_id is not null then 'generic'
            when subscription_accounts.accounts = 1 then 'generic_subscription'
        end as match_method,
        case
            when generic.account_id is not null or subscription_accounts.accounts = 1 then null
            when generic.subscription_id is null then 'event names no account and no subscription'
            when subscription_accounts.subscription_id is null then 'subscription id not in subscriptions.csv'
            else 'subscription id belongs to several accounts in subscriptions.csv'
        end as unmatched_reason
    from {{ ref('stg_generic__events') }} as generic
    left join generic_subscription_accounts as subscription_accounts
        on generic.subscription_id = subscription_accounts.subscription_id

),

final as (

    {{ union_all_by_name_ctes(
        'resolved', relation_column_names(ref('stg_product__events')) + ['resolved_user_id', 'account_id', 'match_method'],
        'generic_events', relation_column_names(ref('stg_generic__events')) | reject('equalto', 'account_id') | list
            + ['account_id', 'call_type', 'resolved_user_id', 'match_method', 'unmatched_reason']
    ) }}

)

select * from final
