{#- Parsing helpers. Engine-specific SQL lives behind adapter.dispatch, so another engine is a macro away. -#}

{#- A timestamp as the export tools write it: ISO (`2024-03-12 09:14`, `2024-03-12T09:14:00Z`),
    US locale (`3/12/2024 9:14 AM`), with a UTC offset (`2024-03-12 09:14:05 +0200`),
    or a bare date. Other locales (`12.03.2024`) are not guessed: they stay null and the quality
    gate warns, naming the rows. Null when it cannot be parsed. -#}
{% macro parse_timestamp(expression) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__parse_timestamp(expression) -%}
    {{ dbt.safe_cast(expression, api.Column.translate_type("timestamp")) }}
{%- endmacro %}

{% macro duckdb__parse_timestamp(expression) -%}
    coalesce(
        try_strptime(trim({{ expression }}), ['%Y-%m-%d %H:%M', '%Y-%m-%d %H:%M:%S', '%m/%d/%Y %I:%M %p', '%m/%d/%Y %H:%M', '%m/%d/%Y', '%Y-%m-%d']),
        try_cast(try_cast(trim({{ expression }}) as timestamptz) at time zone 'UTC' as timestamp),
        try_cast(try_strptime(trim({{ expression }}), '%Y-%m-%d %H:%M:%S %z') at time zone 'UTC' as timestamp)
    )
{%- endmacro %}

{#- A unix-seconds number (as the Stripe API writes times) to a UTC timestamp. -#}
{% macro from_unix_seconds(expression) -%}
    {{ return(adapter.dispatch('from_unix_seconds', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__from_unix_seconds(expression) -%}
    {{ dbt.dateadd('second', expression, "cast('1970-01-01' as timestamp)") }}
{%- endmacro %}

{% macro duckdb__from_unix_seconds(expression) -%}
    make_timestamp(try_cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}

{#- A scalar from a JSON column as text (null when absent or JSON null). -#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'journey_warehouse')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_text(column, path) -%}
    ({{ column }} ->> '$.{{ path }}')
{%- endmacro %}

{#- A JSON array inside a JSON column, as a list of JSON values. -#}
{% macro json_array(column, path) -%}
    {{ return(adapter.dispatch('json_array', 'journey_warehouse')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_array(column, path) -%}
    coalesce(try_cast({{ column }} -> '$.{{ path }}' as json[]), [])
{%- endmacro %}

{#- An email address normalised for matching: trimmed, lower-case, null when blank. -#}
{% macro normalize_email(expression) -%}
    nullif(lower(trim({{ expression }})), '')
{%- endmacro %}

{#- A web domain normalised for matching: no scheme, no www., no path, lower-case. -#}
{% macro normalize_domain(expression) -%}
    {{ return(adapter.dispatch('normalize_domain', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__normalize_domain(expression) -%}
    nullif(regexp_replace(regexp_replace(lower(trim({{ expression }})), '^(https?://)?(www\.)?', ''), '[/:].*$', ''), '')
{%- endmacro %}

{#- A numeric text (`1,200`, ` 35 `) as a number, null when not a number. -#}
{% macro parse_number(expression, type='double') -%}
    try_cast(replace(trim({{ expression }}), ',', '') as {{ type }})
{%- endmacro %}

{#- Keep the latest version of each record: the latest load, then the latest file name, then the last row. -#}
{% macro latest_record_order() -%}
    _loaded_at desc, _source_file desc, _row_number desc
{%- endmacro %}
