{#- Generic test: a SQL condition every row meets (a null result passes, as in dbt_utils). Rows that
    break it are returned whole. -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
