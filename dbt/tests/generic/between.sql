{#- Generic test: the column's values lie within [min_value, max_value] (either bound optional; nulls pass).
    A failing row is returned whole, so the report names it. -#}
{% test between(model, column_name, min_value=none, max_value=none) %}
    select *
    from {{ model }}
    where
        {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% endif %}
        {%- if min_value is not none and max_value is not none %} or{% endif %}
        {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% endif %}
{% endtest %}
