-- One row per subscription period of the generic profile (your subscriptions.csv): account, start,
-- end (empty = still running) and monthly amount, columns picked by mapping.yml: monthly_amount in
-- currency units, or monthly_amount_minor_units when mapping.yml says minor_units: true (intermediate
-- divides by the currency's minor-unit digits); decimal commas read as mapping.yml declares.
{%- set mapping = generic_mapping('subscriptions') %}
with

source as (

    select * from {{ source('generic', 'generic_subscriptions') }}

),

final as (

    select
        _source_file || ':' || cast(_row_number as varchar) as subscription_period_id,
        nullif(trim({{ generic_column(mapping, 'account_id') }}), '') as account_id,
        nullif(trim({{ generic_column(mapping, 'subscription_id') }}), '') as subscription_id,
        {{ parse_timestamp(generic_column(mapping, 'start')) }} as period_start_at,
        {{ parse_timestamp(generic_column(mapping, 'end')) }} as period_end_at,
        {%- if generic_minor_units(mapping, 'monthly_amount') %}
            cast(null as double) as monthly_amount,
            {{ generic_number(mapping, 'monthly_amount') }} as monthly_amount_minor_units,
        {%- else %}
            {{ generic_number(mapping, 'monthly_amount') }} as monthly_amount,
            cast(null as double) as monthly_amount_minor_units,
        {%- endif %}
        coalesce(
            nullif(lower(trim({{ generic_column(mapping, 'currency') }})), ''), '{{ var("reporting_currency") }}'
        ) as currency,
        nullif(trim({{ generic_column(mapping, 'plan') }}), '') as plan,
        _source_file,
        _row_number,
        _loaded_at
    from source

)

select * from final
