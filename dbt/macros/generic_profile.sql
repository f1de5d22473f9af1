{#- The generic profile's mapping (role → the company's own column), read from raw.generic_mapping
    at compile time, so staging selects the right columns without anyone writing SQL. Beside the
    roles, two keys that no role can take: `_constants` (role → the constant the mapping gives it,
    e.g. a fixed event name) and `_conversions` (role → multiplier, divisor and decimal separator of
    a number, e.g. hours → minutes is × 60 ÷ 1; and minor_units: an amount in cents, divided by
    10^digits of its currency in intermediate, where the currencies seed is). -#}
{% macro generic_mapping(entity) -%}
    {%- if not execute -%}{{ return({}) }}{%- endif -%}
    {%- set relation = adapter.get_relation(database=target.database, schema='raw', identifier='generic_mapping') -%}
    {%- if relation is none -%}{{ return({}) }}{%- endif -%}
    {%- set rows = run_query(
        "select role, source_column, constant_value, multiplier, divisor, decimal_separator, minor_units from "
        ~ relation ~ " where entity = '" ~ entity ~ "'"
    ) -%}
    {%- set mapping = {'_constants': {}, '_conversions': {}} -%}
    {%- for row in rows -%}
        {%- if row[1] is not none -%}
            {%- do mapping.update({row[0]: row[1]}) -%}
            {%- if row[3] is not none -%}
                {%- do mapping['_conversions'].update(
                    {row[0]: {'multiplier': row[3] | int, 'divisor': row[4] | int, 'decimal': row[5], 'minor_units': row[6] == true}}
                ) -%}
            {%- endif -%}
        {%- elif row[2] is not none -%}
            {%- do mapping['_constants'].update({row[0]: row[2]}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(mapping) }}
{%- endmacro %}

{#- The column playing `role`, else the constant the mapping gives it, else a typed null. -#}
{% macro generic_column(mapping, role) -%}
    {%- if role in mapping -%}"{{ mapping[role] | replace('"', '""') }}"
    {%- elif role in mapping.get('_constants', {}) -%}cast('{{ mapping['_constants'][role] | replace("'", "''") }}' as varchar)
    {%- else -%}cast(null as varchar){%- endif -%}
{%- endmacro %}

{#- Whether the mapping gives `role` a column or a constant. -#}
{% macro generic_has_role(mapping, role) -%}
    {{ return(role in mapping or role in mapping.get('_constants', {})) }}
{%- endmacro %}

{#- The number playing `role`, in our unit: read with the mapping's decimal separator (`decimal:
    comma`: 1.234,56; spaces as thousands separators are dropped), then × multiplier ÷ divisor (a
    declared `unit:` or `minor_units: true`). Without a declared conversion it is parse_number. -#}
{% macro generic_number(mapping, role, type='double') -%}
    {%- set conversion = mapping.get('_conversions', {}).get(role) -%}
    {%- set column = generic_column(mapping, role) -%}
    {%- if conversion is none or (conversion['decimal'] != 'comma' and conversion['multiplier'] == 1 and conversion['divisor'] == 1) -%}
        {{ parse_number(column, type) }}
    {%- else -%}
        {%- if conversion['decimal'] == 'comma' -%}
            {%- set number -%}
                {{ try_cast("replace(replace(regexp_replace(trim(" ~ column ~ "), '" ~ space_characters_class() ~ "', '', 'g'), '.', ''), ',', '.')", 'double') }}
            {%- endset -%}
        {%- else -%}
            {%- set number = parse_number(column, 'double') -%}
        {%- endif -%}
        cast({{ number }} * {{ conversion['multiplier'] }} / {{ conversion['divisor'] }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- Whether the mapping says the amount playing `role` is in minor units (cents). -#}
{% macro generic_minor_units(mapping, role) -%}
    {{ return(mapping.get('_conversions', {}).get(role, {}).get('minor_units', false)) }}
{%- endmacro %}
