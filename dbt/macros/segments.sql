{#- segment from Number of Employees (marts.md conventions); thresholds are vars. -#}
{% macro employee_segment(employees) -%}
    case
        when {{ employees }} is null or {{ employees }} < 1 then 'unknown'
        when {{ employees }} <= {{ var('segment_individual_max_employees') }} then 'individual'
        when {{ employees }} <= {{ var('segment_smb_max_employees') }} then 'smb'
        when {{ employees }} <= {{ var('segment_mid_market_max_employees') }} then 'mid_market'
        else 'enterprise'
    end
{%- endmacro %}
