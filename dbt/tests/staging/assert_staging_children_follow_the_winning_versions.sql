-- A failure means a staging model that unnests or unpivots a source table (invoice lines,
-- subscription items, deal and lifecycle stage dates) kept another version of a record than that
-- record's own staging model: the two copies of the version rule (staging reads no other staging
-- model, so each applies macros/parsing.sql winning_versions itself) have drifted apart. Make the
-- child's `versions` CTE use the same id and version columns as its parent.
with

invoice_lines as (

    select distinct
        'stg_stripe__invoice_lines' as child_model,
        stripe_invoice_id as record_id,
        invoice_source_file as source_file,
        invoice_row_number as row_number
    from {{ ref('stg_stripe__invoice_lines') }}

),

subscription_items as (

    select distinct
        'stg_stripe__subscription_items' as child_model,
        stripe_subscription_id as record_id,
        subscription_source_file as source_file,
        subscription_row_number as row_number
    from {{ ref('stg_stripe__subscription_items') }}

),

deal_stage_dates as (

    select distinct
        'stg_hubspot__deal_stage_dates' as child_model,
        crm_deal_id as record_id,
        _source_file as source_file,
        _row_number as row_number
    from {{ ref('stg_hubspot__deal_stage_dates') }}

),

lifecycle_stage_dates as (

    select distinct
        'stg_hubspot__lifecycle_stage_dates:' || object_type as child_model,
        crm_record_id as record_id,
        _source_file as source_file,
        _row_number as row_number
    from {{ ref('stg_hubspot__lifecycle_stage_dates') }}

),

winning as (

    select 'stg_stripe__invoice_lines' as child_model, stripe_invoice_id as record_id, _source_file, _row_number
    from {{ ref('stg_stripe__invoices') }}
    union all
    select 'stg_stripe__subscription_items', stripe_subscription_id, _source_file, _row_number
    from {{ ref('stg_stripe__subscriptions') }}
    union all
    select 'stg_hubspot__deal_stage_dates', crm_deal_id, _source_file, _row_number
    from {{ ref('stg_hubspot__deals') }}
    union all
    select 'stg_hubspot__lifecycle_stage_dates:company', crm_company_id, _source_file, _row_number
    from {{ ref('stg_hubspot__companies') }}
    union all
    select 'stg_hubspot__lifecycle_stage_dates:contact', crm_contact_id, _source_file, _row_number
    from {{ ref('stg_hubspot__contacts') }}

),

children as (

    select * from invoice_lines
    union all
    select * from subscription_items
    union all
    select * from deal_stage_dates
    union all
    select * from lifecycle_stage_dates

),

final as (

    select
        children.child_model,
        children.record_id,
        children.source_file as child_kept_file,
        children.row_number as child_kept_row,
        winning._source_file as parent_kept_file,
        winning._row_number as parent_kept_row
    from children
    left join winning
        on
            children.child_model = winning.child_model
            and children.record_id = winning.record_id
    where
        winning.record_id is null
        or children.source_file is distinct from winning._source_file
        or children.row_number is distinct from winning._row_number

)

select * from final
