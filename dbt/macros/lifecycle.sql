{#- The lifecycle ladder (marts.md, Lifecycle): rung names in order. The order is the stage_order. -#}
{% macro lifecycle_stages() -%}
    {{ return([
        'visitor', 'subscriber', 'lead', 'marketing_qualified_lead', 'sales_qualified_lead', 'opportunity',
        'customer', 'onboarded', 'adopted', 'retained', 'expanded', 'advocate'
    ]) }}
{%- endmacro %}

{#- The first post-sale rung: rungs from here on count only for accounts that became customers. -#}
{% macro lifecycle_customer_order() -%}
    {{ return(lifecycle_stages().index('customer')) }}
{%- endmacro %}

{#- The ladder as rows (stage, stage_order), for joins and for every-stage grids. -#}
{% macro lifecycle_stage_rows() -%}
    select * from (values
    {%- for stage in lifecycle_stages() %}
        ('{{ stage }}', {{ loop.index0 }}){% if not loop.last %},{% endif %}
    {%- endfor %}
    ) as ladder (stage, stage_order)
{%- endmacro %}

{#- A SQL list literal of text values, e.g. ('a', 'b'), from a list var. -#}
{% macro lifecycle_in_list(values, lower=false) -%}
    ({%- for value in values -%}
        '{{ (value | string | lower if lower else value | string) | replace("'", "''") }}'{% if not loop.last %}, {% endif %}
    {%- endfor -%}{%- if values | length == 0 -%}null{%- endif -%})
{%- endmacro %}

{#- Does a revenue period [start, end) count in `month` (a date)? The same rule as the MRR marts
    (var mrr_month_membership): end_of_month covers the month's last instant; any_overlap overlaps it.
    A period without an end (a still-running generic subscription) is open. -#}
{% macro lifecycle_period_counts_in_month(period_start, period_end, month) -%}
    {%- set next_month = dbt.dateadd('month', 1, 'cast(' ~ month ~ ' as timestamp)') -%}
    {%- if var('mrr_month_membership') == 'any_overlap' -%}
        ({{ period_start }} < {{ next_month }} and ({{ period_end }} is null or {{ period_end }} > cast({{ month }} as timestamp)))
    {%- else -%}
        ({{ period_start }} < {{ next_month }} and ({{ period_end }} is null or {{ period_end }} >= {{ next_month }}))
    {%- endif -%}
{%- endmacro %}

{#- Fractional days from one timestamp to another (exact to the second). -#}
{% macro lifecycle_days_between(start_at, end_at) -%}
    ({{ dbt.datediff(start_at, end_at, 'second') }} / 86400.0)
{%- endmacro %}
