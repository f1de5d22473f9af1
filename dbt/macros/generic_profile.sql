{#- The generic profile's mapping (role → the company's own column), read from raw.generic_mapping
    at compile time, so staging selects the right columns without anyone writing SQL. -#}
{% macro generic_mapping(entity) -%}
    {%- if not execute -%}{{ return({}) }}{%- endif -%}
    {%- set relation = adapter.get_relation(database=target.database, schema='raw', identifier='generic_mapping') -%}
    {%- if relation is none -%}{{ return({}) }}{%- endif -%}
    {%- set rows = run_query("select role, source_column from " ~ relation ~ " where entity = '" ~ entity ~ "'") -%}
    {%- set mapping = {} -%}
    {%- for row in rows -%}{%- do mapping.update({row[0]: row[1]}) -%}{%- endfor -%}
    {{ return(mapping) }}
{%- endmacro %}

{#- The column playing `role`, or a typed null when the mapping does not name one. -#}
{% macro generic_column(mapping, role) -%}
    {%- if role in mapping -%}"{{ mapping[role] | replace('"', '""') }}"{%- else -%}cast(null as varchar){%- endif -%}
{%- endmacro %}
