-- One row per HubSpot deal, resolved to an account (the first of its Associated Company IDs that
-- exists in the CRM export), with what the lifecycle needs: was it a new-business deal, did its stage
-- history include a demo, and how did it end (won, lost — and why — or still open).
with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}

),

stage_dates as (

    select * from {{ ref('stg_hubspot__deal_stage_dates') }}

),

companies as (

    select crm_company_id from {{ ref('stg_hubspot__companies') }}

),

associations as (

    select
        deals.crm_deal_id,
        trim(associated.company_id) as crm_company_id,
        associated.position
    from deals,
        unnest({{ split_text('deals.associated_company_ids', "';'") }}) with ordinality as associated (company_id, position)

),

deal_accounts as (

    select
        associations.crm_deal_id,
        {{ arg_min('associations.crm_company_id', 'associations.position') }} as account_id
    from associations
    inner join companies on associations.crm_company_id = companies.crm_company_id
    group by associations.crm_deal_id

),

deal_stage_history as (

    select
        crm_deal_id,
        min(entered_at) filter (
            where deal_stage in {{ lifecycle_in_list(var('lifecycle_demo_deal_stages')) }}
        ) as demo_at,
        count(*) filter (
            where deal_stage in {{ lifecycle_in_list(var('lifecycle_demo_deal_stages')) }}
        ) > 0 as has_demo_stage_date
    from stage_dates
    group by crm_deal_id

),

classified as (

    select
        deals.crm_deal_id,
        deal_accounts.account_id,
        deals.deal_name,
        deals.deal_stage,
        deals.deal_type,
        deals.amount,
        deals.created_at,
        deals.closed_at,
        deals.closed_lost_reason,
        coalesce(lower(deals.deal_type), '') not in {{ lifecycle_in_list(var('lifecycle_path_excluded_deal_types'), lower=true) }}
            as is_new_business,
        coalesce(deal_stage_history.has_demo_stage_date, false)
        or deals.deal_stage in {{ lifecycle_in_list(var('lifecycle_demo_deal_stages')) }} as has_demo,
        coalesce(
            deal_stage_history.demo_at,
            case when deals.deal_stage in {{ lifecycle_in_list(var('lifecycle_demo_deal_stages')) }} then deals.created_at end
        ) as demo_at,
        deals.deal_stage in {{ lifecycle_in_list(var('lifecycle_won_deal_stages')) }} as is_won,
        deals.deal_stage in {{ lifecycle_in_list(var('lifecycle_lost_deal_stages')) }} as is_lost
    from deals
    left join deal_accounts on deals.crm_deal_id = deal_accounts.crm_deal_id
    left join deal_stage_history on deals.crm_deal_id = deal_stage_history.crm_deal_id

),

final as (

    select
        *,
        not is_won and not is_lost as is_open,
        is_lost and (
            {%- for reason in var('lifecycle_not_now_reasons') %}
                position('{{ reason | lower }}' in lower(coalesce(closed_lost_reason, ''))) > 0{% if not loop.last %} or{% endif %}
            {%- endfor %}
            {%- if var('lifecycle_not_now_reasons') | length == 0 %} false{% endif %}
        ) as is_not_now
    from classified

)

select * from final
