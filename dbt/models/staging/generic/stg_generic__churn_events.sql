-- One row per churn event of the generic profile (your churn_events.csv), columns picked by
-- mapping.yml: the account, the day it churned, the reason as written, the refund in the reporting
-- currency (refund_amount_minor_units instead when mapping.yml says minor_units: true; decimal commas
-- read as declared) and whether it came back
-- (true/yes/y/1, or a date: the day it came back).
{%- set mapping = generic_mapping('churn_events') %}
with

source as (

    select * from {{ source('generic', 'generic_churn_events') }}

),

final as (

    select
        'generic:' || _source_file || ':' || cast(_row_number as varchar) as churn_event_id,
        nullif(trim({{ generic_column(mapping, 'account_id') }}), '') as account_id,
        {{ parse_timestamp(generic_column(mapping, 'churned_at')) }} as churned_at,
        {{ generic_column(mapping, 'churned_at') }} as churned_at_raw,
        nullif(trim({{ generic_column(mapping, 'reason') }}), '') as reason_raw,
        {%- if generic_minor_units(mapping, 'refund') %}
            cast(null as double) as refund_amount,
            {{ generic_number(mapping, 'refund') }} as refund_amount_minor_units,
        {%- else %}
            {{ generic_number(mapping, 'refund') }} as refund_amount,
            cast(null as double) as refund_amount_minor_units,
        {%- endif %}
        nullif(trim({{ generic_column(mapping, 'refund') }}), '') as refund_raw,
        nullif(lower(trim({{ generic_column(mapping, 'reactivated') }})), '') as reactivated_raw,
        {{ parse_timestamp(generic_column(mapping, 'reactivated')) }} as reactivated_at,
        _source_file,
        _row_number,
        _loaded_at
    from source

)

select * from final
