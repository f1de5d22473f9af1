-- One row: the month the marts end at. The month of the latest recorded activity in the loaded
-- data (never the wall clock, never future-dated fields such as period ends), unless var as_of_date.
with

activity as (

    select max(created_at) as latest_at from {{ ref('stg_stripe__invoices') }}
    union all
    select max(created_at) from {{ ref('stg_stripe__subscriptions') }}
    union all
    select max(greatest(created_at, coalesce(updated_at, created_at))) from {{ ref('stg_zendesk__tickets') }}
    union all
    select max(responded_at) from {{ ref('stg_surveys__nps_responses') }}
    union all
    select max(occurred_at) from {{ ref('stg_product__events') }}
    union all
    select max(created_at) from {{ ref('stg_hubspot__companies') }}
    union all
    select max(created_at) from {{ ref('stg_hubspot__contacts') }}
    union all
    select max(created_at) from {{ ref('stg_hubspot__deals') }}
    union all
    select max(entered_at) from {{ ref('stg_hubspot__lifecycle_stage_dates') }}
    union all
    select max(period_start_at) from {{ ref('stg_generic__subscriptions') }}
    union all
    select max(created_at) from {{ ref('stg_generic__accounts') }}
    union all
    select max(created_at) from {{ ref('stg_generic__tickets') }}
    union all
    select max(responded_at) from {{ ref('stg_generic__nps') }}
    union all
    select max(occurred_at) from {{ ref('stg_generic__events') }}

),

as_of_day as (

    select
        {% if var('as_of_date') %}
        cast('{{ var("as_of_date") }}' as date) as as_of_date
        {% else %}
        cast(max(latest_at) as date) as as_of_date
        {% endif %}
    from activity

),

final as (

    select
        as_of_date,
        cast({{ dbt.date_trunc('month', 'as_of_date') }} as date) as as_of_month
    from as_of_day

)

select * from final
