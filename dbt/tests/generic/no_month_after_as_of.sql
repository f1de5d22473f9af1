{#- Generic test: no row's month is after as_of_month (the month of the latest recorded activity, from
    int_as_of): no mart runs into the future. The row's month is `column_name`, truncated to its month
    when `truncate` (a timestamp), plus `months_added` months when given (a cohort's month offset). -#}
{% test no_month_after_as_of(model, column_name, months_added=none, truncate=false) %}
    {%- set month = dbt.date_trunc('month', column_name) if truncate else column_name -%}
    {%- if months_added is not none -%}
        {%- set month = dbt.dateadd('month', months_added, month) -%}
    {%- endif %}
    select
        rows_checked.*,
        as_of.as_of_month
    from {{ model }} as rows_checked
    cross join {{ ref('int_as_of') }} as as_of
    where cast({{ month }} as date) > as_of.as_of_month
{% endtest %}
