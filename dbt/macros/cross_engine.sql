{#- Engine-specific SQL behind adapter.dispatch: a duckdb__ implementation (the SQL the models always
    had, so DuckDB results do not change) and a postgres__ one (docs/scale-out.md). dbt's own
    cross-database macros (dbt.dateadd, dbt.datediff, dbt.date_trunc, ...) are used where they exist. -#}

{#- on-run-start: what an engine needs before the models run. PostgreSQL: the type name `double`
    (the marts' contracts say `double`, DuckDB's name for double precision) and the helper
    functions below (try_cast, timestamp parsing), in schema public. -#}
{% macro engine_setup() -%}
    {{ return(adapter.dispatch('engine_setup', 'journey_warehouse')()) }}
{%- endmacro %}

{% macro default__engine_setup() -%}
    select 1
{%- endmacro %}

{% macro postgres__engine_setup() -%}
    do $setup$
    begin
        if not exists (select 1 from pg_type where typname = 'double' and typnamespace = 'public'::regnamespace) then
            create domain public.double as double precision;
        end if;
        if not exists (
            select 1 from pg_type where typname = 'journey_arg_state' and typnamespace = 'public'::regnamespace
        ) then
            create type public.journey_arg_state as (value text, sort_key numeric[]);
        end if;
    end
    $setup$;
    {#- journey_arg_min / journey_arg_max(text value, numeric[] key): DuckDB's arg_min / arg_max for
        window_arg_min (PostgreSQL allows no ordered aggregate in a window): rows where the value or
        the key is null are skipped; the least (greatest) key wins. -#}
    {%- for kind, better in [('min', '<'), ('max', '>')] %}
    create or replace function public.journey_arg_{{ kind }}_step(
        state public.journey_arg_state, value text, sort_key numeric[]
    ) returns public.journey_arg_state
    language sql immutable as $fn$
        select case
            when value is null or sort_key is null then state
            when state is null or sort_key {{ better }} (state).sort_key then row(value, sort_key)::public.journey_arg_state
            else state
        end
    $fn$;
    create or replace function public.journey_arg_value(state public.journey_arg_state) returns text
    language sql immutable as $fn$ select (state).value $fn$;
    create or replace aggregate public.journey_arg_{{ kind }}(text, numeric[]) (
        sfunc = public.journey_arg_{{ kind }}_step, stype = public.journey_arg_state,
        finalfunc = public.journey_arg_value
    );
    {%- endfor %}
    {%- for name, pg_type in journey_pg_try_cast_types().items() %}
    create or replace function public.journey_try_cast_{{ name }}(value text) returns {{ pg_type }}
    language plpgsql immutable as $fn$
    begin
        return trim(value)::{{ pg_type }};
    exception when others then
        {%- if pg_type in ('integer', 'bigint') %}
        -- as DuckDB: a decimal text ('4.0', '4.5', '1e3') rounds to the nearest whole number
        begin
            return round(trim(value)::numeric)::{{ pg_type }};
        exception when others then
            return null;
        end;
        {%- else %}
        return null;
        {%- endif %}
    end
    $fn$;
    {%- endfor %}
    create or replace function public.journey_parse_timestamp(value text) returns timestamp
    language plpgsql immutable as $fn$
    declare
        v text := trim(value);
    begin
        if v is null or v = '' then
            return null;
        {%- for format in var('timestamp_formats') %}
        {%- set pg = journey_pg_timestamp_format(format) %}
        elsif v ~ '{{ pg[0] }}' then
            return to_timestamp(v, '{{ pg[1] }}')::timestamp;
        {%- endfor %}
        elsif v ~ '^\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)? ?(Z|z|[+-]\d{2}(:?\d{2})?)?$' then
            return (v::timestamptz at time zone 'UTC');
        {%- for format in var('timestamp_offset_formats') %}
        elsif v ~ '{{ journey_pg_timestamp_format(format)[0] }}' then
            return (v::timestamptz at time zone 'UTC');
        {%- endfor %}
        end if;
        return null;
    exception when others then
        return null;
    end
    $fn$;
{%- endmacro %}

{#- A strptime format of vars timestamp_formats / timestamp_offset_formats (what DuckDB's
    parse_timestamp reads) as [an anchored regular expression the text must match, the
    to_timestamp pattern that reads it]; %z (a UTC offset) is read by the timestamptz cast. -#}
{% macro journey_pg_timestamp_format(format) -%}
    {%- set directives = {
        'Y': ['\\d{4}', 'YYYY'], 'm': ['\\d{1,2}', 'MM'], 'd': ['\\d{1,2}', 'DD'],
        'H': ['\\d{1,2}', 'HH24'], 'I': ['\\d{1,2}', 'HH12'], 'M': ['\\d{2}', 'MI'],
        'S': ['\\d{2}', 'SS'], 'p': ['[AaPp][Mm]', 'AM'], 'z': ['(Z|z|[+-]\\d{2}(:?\\d{2})?)', 'TZH:TZM']
    } -%}
    {%- set state = {'regex': '^', 'pattern': '', 'percent': false} -%}
    {%- for char in format -%}
        {%- if state.percent -%}
            {%- if char not in directives -%}
                {{ exceptions.raise_compiler_error('journey_pg_timestamp_format: %' ~ char ~ ' in ' ~ format ~ ' has no PostgreSQL reading yet (dbt/macros/cross_engine.sql)') }}
            {%- endif -%}
            {%- do state.update({'regex': state.regex ~ directives[char][0], 'pattern': state.pattern ~ directives[char][1], 'percent': false}) -%}
        {%- elif char == '%' -%}
            {%- do state.update({'percent': true}) -%}
        {%- elif char == ' ' and loop.nextitem == '%' and format[loop.index0 + 2:loop.index0 + 3] == 'p' -%}
            {#- as before: the space before AM/PM may be missing -#}
            {%- do state.update({'regex': state.regex ~ ' ?', 'pattern': state.pattern ~ ' '}) -%}
        {%- elif char in '.^$*+?()[]{}|\\' -%}
            {%- do state.update({'regex': state.regex ~ '\\' ~ char, 'pattern': state.pattern ~ char}) -%}
        {%- else -%}
            {%- do state.update({'regex': state.regex ~ char, 'pattern': state.pattern ~ char}) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return([(state.regex ~ '$') | replace("'", "''"), state.pattern | replace("'", "''")]) }}
{%- endmacro %}

{#- The types try_cast is used with, by the name of its Postgres helper function. -#}
{% macro journey_pg_try_cast_types() -%}
    {{ return({
        'bigint': 'bigint', 'integer': 'integer', 'double': 'double precision', 'numeric': 'numeric',
        'boolean': 'boolean', 'date': 'date', 'timestamp': 'timestamp', 'timestamptz': 'timestamptz',
        'varchar': 'text', 'jsonb': 'jsonb'
    }) }}
{%- endmacro %}

{#- Cast to `type`, null when the value does not convert (DuckDB's try_cast). -#}
{% macro try_cast(expression, type) -%}
    {{ return(adapter.dispatch('try_cast', 'journey_warehouse')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, type) -%}
    {{ dbt.safe_cast(expression, type) }}
{%- endmacro %}

{% macro duckdb__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro postgres__try_cast(expression, type) -%}
    {%- set base = type | lower | trim -%}
    {%- if base.startswith('decimal') or base.startswith('numeric') -%}
        cast(public.journey_try_cast_numeric(cast({{ expression }} as text)) as {{ type | replace('decimal', 'numeric') }})
    {%- elif base in ('double', 'double precision', 'float8') -%}
        public.journey_try_cast_double(cast({{ expression }} as text))
    {%- elif base in ('varchar', 'text') -%}
        cast({{ expression }} as text)
    {%- else -%}
        public.journey_try_cast_{{ base }}(cast({{ expression }} as text))
    {%- endif -%}
{%- endmacro %}

{#- A JSON value inside a JSON column (DuckDB `->`), still JSON; `path` dotted (`lines.data`). -#}
{% macro json_get(column, path) -%}
    {{ return(adapter.dispatch('json_get', 'journey_warehouse')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_get(column, path) -%}
    {{ column }} -> '$.{{ path }}'
{%- endmacro %}

{% macro postgres__json_get(column, path) -%}
    ({{ column }} #> '{ {{- path.split('.') | join(',') -}} }')
{%- endmacro %}

{% macro postgres__json_text(column, path) -%}
    ({{ column }} #>> '{ {{- path.split('.') | join(',') -}} }')
{%- endmacro %}

{#- The elements of a JSON array (none when the value is not an array), as a from-item:
    `from t, {{ json_array_rows('t.lines', 'unnested', 'line') }}` gives one row per element. -#}
{% macro json_array_rows(expression, alias, column) -%}
    {{ return(adapter.dispatch('json_array_rows', 'journey_warehouse')(expression, alias, column)) }}
{%- endmacro %}

{% macro duckdb__json_array_rows(expression, alias, column) -%}
    unnest(coalesce(try_cast({{ expression }} as json[]), [])) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro postgres__json_array_rows(expression, alias, column) -%}
    lateral jsonb_array_elements(
        case when jsonb_typeof({{ expression }}) = 'array' then {{ expression }} else '[]'::jsonb end
    ) as {{ alias }} ({{ column }})
{%- endmacro %}

{#- The sum of a field of every element of a JSON array, each parsed as whole minor units
    (macros/parsing.sql); null when the array is empty or absent. -#}
{% macro json_array_sum_minor_units(column, path, field) -%}
    {{ return(adapter.dispatch('json_array_sum_minor_units', 'journey_warehouse')(column, path, field)) }}
{%- endmacro %}

{% macro duckdb__json_array_sum_minor_units(column, path, field) -%}
    list_sum(list_transform(
        coalesce(try_cast({{ column }} -> '$.{{ path }}' as json[]), []),
        lambda element: {{ parse_minor_units("element ->> '$." ~ field ~ "'") }}
    ))
{%- endmacro %}

{% macro postgres__json_array_sum_minor_units(column, path, field) -%}
    (
        select sum({{ parse_minor_units("element ->> '" ~ field ~ "'") }})
        from {{ postgres__json_array_rows(json_get(column, path), 'elements', 'element') }}
    )
{%- endmacro %}

{#- A JSON array of strings as a list, each element as `expression` makes it (`variable` names the
    element in it): json_string_list('record', 'tags', 'tag', 'lower(trim(tag))'); empty when absent. -#}
{% macro json_string_list(column, path, variable, expression) -%}
    {{ return(adapter.dispatch('json_string_list', 'journey_warehouse')(column, path, variable, expression)) }}
{%- endmacro %}

{% macro duckdb__json_string_list(column, path, variable, expression) -%}
    list_transform(
        coalesce(try_cast({{ column }} -> '$.{{ path }}' as varchar[]), []), lambda {{ variable }}: {{ expression }}
    )
{%- endmacro %}

{% macro postgres__json_string_list(column, path, variable, expression) -%}
    coalesce((
        select array_agg({{ expression }} order by _position)
        from jsonb_array_elements_text(
            case when jsonb_typeof({{ json_get(column, path) }}) = 'array' then {{ json_get(column, path) }} else '[]'::jsonb end
        ) with ordinality as _elements ({{ variable }}, _position)
    ), array[]::text[])
{%- endmacro %}

{#- A text split on a separator into trimmed lower-case items, empty items dropped (`Tags`). -#}
{% macro split_lower_nonempty(expression, separator) -%}
    {{ return(adapter.dispatch('split_lower_nonempty', 'journey_warehouse')(expression, separator)) }}
{%- endmacro %}

{% macro duckdb__split_lower_nonempty(expression, separator) -%}
    list_filter(
        list_transform(string_split({{ expression }}, '{{ separator }}'), lambda tag: lower(trim(tag))),
        lambda tag: tag <> ''
    )
{%- endmacro %}

{% macro postgres__split_lower_nonempty(expression, separator) -%}
    coalesce((
        select array_agg(lower(trim(item)) order by position)
        from unnest(string_to_array({{ expression }}, '{{ separator }}')) with ordinality as items (item, position)
        where lower(trim(item)) <> ''
    ), array[]::text[])
{%- endmacro %}

{#- The first row per group, as DuckDB's `qualify row_number() over (...) = 1`. Use both halves:
    `select {{ first_row_distinct('p') }} cols from ... where ... {{ first_row_qualify('p', 'o') }}`
    (DuckDB: nothing, then qualify; PostgreSQL: distinct on (p), then order by p, o). -#}
{% macro first_row_distinct(partition_by) -%}
    {{ return(adapter.dispatch('first_row_distinct', 'journey_warehouse')(partition_by)) }}
{%- endmacro %}

{% macro default__first_row_distinct(partition_by) -%}
    distinct on ({{ partition_by }})
{%- endmacro %}

{% macro duckdb__first_row_distinct(partition_by) -%}{%- endmacro %}

{% macro first_row_qualify(partition_by, order_by) -%}
    {{ return(adapter.dispatch('first_row_qualify', 'journey_warehouse')(partition_by, order_by)) }}
{%- endmacro %}

{% macro default__first_row_qualify(partition_by, order_by) -%}
    order by {{ partition_by }}, {{ order_by }}
{%- endmacro %}

{% macro duckdb__first_row_qualify(partition_by, order_by) -%}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro %}

{#- `relation.*` without some columns (DuckDB `* exclude (...)`). PostgreSQL has no exclude: the
    columns stay in the select and a post-hook drops them from the model's table (call this only in
    a model's final select, of a model materialized as a table). -#}
{% macro star_exclude(relation_alias, columns) -%}
    {{ return(adapter.dispatch('star_exclude', 'journey_warehouse')(relation_alias, columns)) }}
{%- endmacro %}

{% macro duckdb__star_exclude(relation_alias, columns) -%}
    {{ relation_alias ~ '.' if relation_alias else '' }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro default__star_exclude(relation_alias, columns) -%}
    {%- set drops = [] -%}
    {%- for column in columns %}{% do drops.append('drop column if exists ' ~ column) %}{% endfor -%}
    {{ config(post_hook=['alter table {{ this }} ' ~ drops | join(', ')]) }}
    {{- relation_alias ~ '.' if relation_alias else '' }}*
{%- endmacro %}

{#- The columns of a relation (a ref or source) but some, as a select list: exact on every engine. -#}
{% macro columns_except(relation, columns, relation_alias=none) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set kept = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower not in (columns | map('lower') | list) -%}
            {%- do kept.append((relation_alias ~ '.' if relation_alias else '') ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(kept | join(', ')) }}
{%- endmacro %}

{#- count(distinct x) over (partition by p): PostgreSQL has no distinct window aggregate; the two
    dense ranks give the same count for a never-null x. -#}
{% macro count_distinct_over(expression, partition_by) -%}
    {{ return(adapter.dispatch('count_distinct_over', 'journey_warehouse')(expression, partition_by)) }}
{%- endmacro %}

{% macro duckdb__count_distinct_over(expression, partition_by) -%}
    count(distinct {{ expression }}) over (partition by {{ partition_by }})
{%- endmacro %}

{% macro default__count_distinct_over(expression, partition_by) -%}
    (
        dense_rank() over (partition by {{ partition_by }} order by {{ expression }} asc nulls last)
        + dense_rank() over (partition by {{ partition_by }} order by {{ expression }} desc nulls first)
        - 1
    )
{%- endmacro %}

{#- DuckDB's `union all by name`. Elsewhere a plain `union all`: the two selects must list the same
    columns in the same order (a positional union; every model using this one does). -#}
{% macro union_all_by_name() -%}
    {{ return(adapter.dispatch('union_all_by_name', 'journey_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__union_all_by_name() -%}
    union all by name
{%- endmacro %}

{% macro default__union_all_by_name() -%}
    union all
{%- endmacro %}

{#- A text split on a separator into a list (DuckDB string_split; PostgreSQL string_to_array). -#}
{% macro split_text(expression, separator) -%}
    {{ return(adapter.dispatch('split_text', 'journey_warehouse')(expression, separator)) }}
{%- endmacro %}

{% macro duckdb__split_text(expression, separator) -%}
    string_split({{ expression }}, {{ separator }})
{%- endmacro %}

{% macro default__split_text(expression, separator) -%}
    string_to_array({{ expression }}, {{ separator }})
{%- endmacro %}

{#- arg_min / arg_max (aggregates): `value` of the row with the least / greatest `order_by`, rows
    where either is null skipped; `where` an optional extra filter (DuckDB's `filter (where ...)`). -#}
{% macro arg_min(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('arg_extreme', 'journey_warehouse')('min', value, order_by, where)) }}
{%- endmacro %}

{% macro arg_max(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('arg_extreme', 'journey_warehouse')('max', value, order_by, where)) }}
{%- endmacro %}

{% macro duckdb__arg_extreme(kind, value, order_by, where) -%}
    arg_{{ kind }}({{ value }}, {{ order_by }}){% if where %} filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro default__arg_extreme(kind, value, order_by, where) -%}
    (array_agg({{ value }} order by {{ order_by }} {{ 'asc' if kind == 'min' else 'desc' }}) filter (
        where {{ value }} is not null and {{ order_by }} is not null{% if where %} and ({{ where }}){% endif %}
    ))[1]
{%- endmacro %}

{#- DuckDB's first(value order by ...): the first value in that order, nulls included; `where` an
    optional filter (where ...). -#}
{% macro first_value_ordered(value, order_by, where=none) -%}
    {{ return(adapter.dispatch('first_value_ordered', 'journey_warehouse')(value, order_by, where)) }}
{%- endmacro %}

{% macro duckdb__first_value_ordered(value, order_by, where) -%}
    first({{ value }} order by {{ order_by }}){% if where %}
        filter (where {{ where }}){% endif %}
{%- endmacro %}

{% macro default__first_value_ordered(value, order_by, where) -%}
    (array_agg({{ value }} order by {{ order_by }}){% if where %} filter (where {{ where }}){% endif %})[1]
{%- endmacro %}

{#- any_value (an aggregate; PostgreSQL before 16 has none: the least value, equally arbitrary). -#}
{% macro any_value(value) -%}
    {{ return(adapter.dispatch('any_value', 'journey_warehouse')(value)) }}
{%- endmacro %}

{% macro duckdb__any_value(value) -%}
    any_value({{ value }})
{%- endmacro %}

{% macro default__any_value(value) -%}
    min({{ value }})
{%- endmacro %}

{#- One row per month from `start` to `end` (timestamps, both included), as a from-item:
    `from t, {{ month_series_rows('t.a', 't.b', 'months', 'month_start') }}`. -#}
{% macro month_series_rows(start, end, alias, column) -%}
    {{ return(adapter.dispatch('month_series_rows', 'journey_warehouse')(start, end, alias, column)) }}
{%- endmacro %}

{% macro duckdb__month_series_rows(start, end, alias, column) -%}
    unnest(generate_series(
            {{ start }},
            {{ end }},
            interval 1 month
        )) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro default__month_series_rows(start, end, alias, column) -%}
    generate_series({{ start }}, {{ end }}, interval '1 month') as {{ alias }} ({{ column }})
{%- endmacro %}

{#- first_value / last_value (value ignore nulls) over (window): `window` is what goes in over (...). -#}
{% macro window_value_ignore_nulls(kind, value, window) -%}
    {{ return(adapter.dispatch('window_value_ignore_nulls', 'journey_warehouse')(kind, value, window)) }}
{%- endmacro %}

{% macro duckdb__window_value_ignore_nulls(kind, value, window) -%}
    {{ kind }}_value({{ value }} ignore nulls) over (
                {{ window }}
            )
{%- endmacro %}

{% macro default__window_value_ignore_nulls(kind, value, window) -%}
    {%- set values_so_far = 'array_agg(' ~ value ~ ') filter (where ' ~ value ~ ' is not null) over (' ~ window ~ ')' -%}
    {%- if kind == 'first' -%}
        ({{ values_so_far }})[1]
    {%- else -%}
        ({{ values_so_far }})[cardinality({{ values_so_far }})]
    {%- endif -%}
{%- endmacro %}

{#- round(x, digits) for a double too (PostgreSQL rounds only numeric to a number of digits). -#}
{% macro round_to(expression, digits) -%}
    {{ return(adapter.dispatch('round_to', 'journey_warehouse')(expression, digits)) }}
{%- endmacro %}

{% macro duckdb__round_to(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro default__round_to(expression, digits) -%}
    round(cast({{ expression }} as numeric), {{ digits }})
{%- endmacro %}

{#- The column names of a relation (a ref or source), lower-case; empty while dbt parses. -#}
{% macro relation_column_names(relation) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {{ return(adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list) }}
{%- endmacro %}

{#- `* exclude (...)` of a ref or source: DuckDB's exclude; elsewhere the relation's other columns. -#}
{% macro star_except_relation(relation, columns, relation_alias=none) -%}
    {{ return(adapter.dispatch('star_except_relation', 'journey_warehouse')(relation, columns, relation_alias)) }}
{%- endmacro %}

{% macro duckdb__star_except_relation(relation, columns, relation_alias) -%}
    {{ relation_alias ~ '.' if relation_alias else '' }}* exclude ({{ columns | join(', ') }})
{%- endmacro %}

{% macro default__star_except_relation(relation, columns, relation_alias) -%}
    {{ columns_except(relation, columns, relation_alias) }}
{%- endmacro %}

{#- `select * from left union all by name select * from right` of two CTEs whose columns differ
    (a column missing on one side is null there). DuckDB matches by name itself; elsewhere the
    columns of each side are listed (`left_columns`, `right_columns`: lists of names, e.g. a ref's
    columns from relation_column_names plus the ones the CTE adds). -#}
{% macro union_all_by_name_ctes(left, left_columns, right, right_columns) -%}
    {{ return(adapter.dispatch('union_all_by_name_ctes', 'journey_warehouse')(left, left_columns, right, right_columns)) }}
{%- endmacro %}

{% macro duckdb__union_all_by_name_ctes(left, left_columns, right, right_columns) -%}
    select * from {{ left }}
    union all by name
    select * from {{ right }}
{%- endmacro %}

{% macro default__union_all_by_name_ctes(left, left_columns, right, right_columns) -%}
    {%- set names = [] -%}
    {%- for name in left_columns + right_columns -%}
        {%- if name not in names %}{% do names.append(name) %}{% endif -%}
    {%- endfor -%}
    {%- if execute and not names -%}
        {{ exceptions.raise_compiler_error('union_all_by_name_ctes: no columns known for ' ~ left ~ ' and ' ~ right) }}
    {%- endif -%}
    select
        {%- for name in names %}
        {{ adapter.quote(name) if name in left_columns else 'null' }} as {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ left }}
    union all
    select
        {%- for name in names %}
        {{ adapter.quote(name) if name in right_columns else 'null' }} as {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ right }}
{%- endmacro %}

{#- Lists: an ordered list aggregate (DuckDB list(), PostgreSQL array_agg), an empty text list, a
    list's length (DuckDB len(), PostgreSQL cardinality). -#}
{% macro list_agg(value, order_by) -%}
    {{ return(adapter.dispatch('list_agg', 'journey_warehouse')(value, order_by)) }}
{%- endmacro %}

{% macro duckdb__list_agg(value, order_by) -%}
    list({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro default__list_agg(value, order_by) -%}
    array_agg({{ value }} order by {{ order_by }})
{%- endmacro %}

{% macro empty_text_list() -%}
    {{ return(adapter.dispatch('empty_text_list', 'journey_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__empty_text_list() -%}
    []
{%- endmacro %}

{% macro default__empty_text_list() -%}
    array[]::text[]
{%- endmacro %}

{% macro list_length(expression) -%}
    {{ return(adapter.dispatch('list_length', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__list_length(expression) -%}
    len({{ expression }})
{%- endmacro %}

{% macro default__list_length(expression) -%}
    cardinality({{ expression }})
{%- endmacro %}

{#- union_all_by_name_ctes of any number of CTEs: `ctes` a list of [name, columns] pairs, in order.
    DuckDB: `select * from a union all by name select * from b ...`; elsewhere every side lists
    every column (null where it has none). -#}
{% macro union_all_by_name_many(ctes) -%}
    {{ return(adapter.dispatch('union_all_by_name_many', 'journey_warehouse')(ctes)) }}
{%- endmacro %}

{% macro duckdb__union_all_by_name_many(ctes) -%}
    {%- for cte in ctes %}
    select * from {{ cte[0] }}{% if not loop.last %}
    union all by name{% endif %}
    {%- endfor %}
{%- endmacro %}

{% macro default__union_all_by_name_many(ctes) -%}
    {%- set names = [] -%}
    {%- for cte in ctes -%}
        {%- for name in cte[1] -%}
            {%- if name not in names %}{% do names.append(name) %}{% endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if execute and not names -%}
        {{ exceptions.raise_compiler_error('union_all_by_name_many: no columns known for ' ~ (ctes | map('first') | join(', '))) }}
    {%- endif -%}
    {%- for cte in ctes %}
    select
        {%- for name in names %}
        {{ adapter.quote(name) if name in cte[1] else 'null' }} as {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ cte[0] }}{% if not loop.last %}
    union all{% endif %}
    {%- endfor %}
{%- endmacro %}

{#- Seconds since the epoch of a timestamp (DuckDB epoch(); elsewhere extract(epoch from ...)). -#}
{% macro epoch_seconds(expression) -%}
    {{ return(adapter.dispatch('epoch_seconds', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__epoch_seconds(expression) -%}
    epoch({{ expression }})
{%- endmacro %}

{% macro default__epoch_seconds(expression) -%}
    extract(epoch from {{ expression }})
{%- endmacro %}

{#- A null of the engine's JSON type (DuckDB json, PostgreSQL jsonb). -#}
{% macro null_json() -%}
    {{ return(adapter.dispatch('null_json', 'journey_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__null_json() -%}
    cast(null as json)
{%- endmacro %}

{% macro default__null_json() -%}
    cast(null as jsonb)
{%- endmacro %}

{#- True when the whole text matches a regular expression (DuckDB regexp_full_match). -#}
{% macro regexp_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match', 'journey_warehouse')(expression, pattern)) }}
{%- endmacro %}

{% macro duckdb__regexp_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro default__regexp_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}

{#- A timestamp plus a whole number of `unit`s (month, year or day: DuckDB to_months/to_years/to_days). -#}
{% macro add_units(expression, unit, amount) -%}
    {{ return(adapter.dispatch('add_units', 'journey_warehouse')(expression, unit, amount)) }}
{%- endmacro %}

{% macro duckdb__add_units(expression, unit, amount) -%}
    {{ expression }} + to_{{ unit }}s({{ amount }})
{%- endmacro %}

{% macro default__add_units(expression, unit, amount) -%}
    {{ expression }} + make_interval({{ unit }}s => cast({{ amount }} as integer))
{%- endmacro %}

{#- Unit boundaries crossed from `start` to `end` (DuckDB datediff('unit', start, end)). -#}
{% macro units_between(unit, start, end) -%}
    {{ return(adapter.dispatch('units_between', 'journey_warehouse')(unit, start, end)) }}
{%- endmacro %}

{% macro duckdb__units_between(unit, start, end) -%}
    datediff('{{ unit }}', {{ start }}, {{ end }})
{%- endmacro %}

{% macro default__units_between(unit, start, end) -%}
    {{ dbt.datediff(start, end, unit) }}
{%- endmacro %}

{#- A regular-expression class of white space with the no-break spaces U+00A0 and U+202F (thousands
    separators in comma-decimal numbers). -#}
{% macro space_characters_class() -%}
    {{ return(adapter.dispatch('space_characters_class', 'journey_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__space_characters_class() -%}
    [[:space:]\x{00A0}\x{202F}]
{%- endmacro %}

{% macro default__space_characters_class() -%}
    [[:space:]\u00A0\u202F]
{%- endmacro %}

{#- numerator / denominator as a double: DuckDB's `/` on integers already gives one; PostgreSQL
    truncates an integer division, so the numerator is cast first. -#}
{% macro divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('divide', 'journey_warehouse')(numerator, denominator)) }}
{%- endmacro %}

{% macro duckdb__divide(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro default__divide(numerator, denominator) -%}
    cast({{ numerator }} as double precision) / {{ denominator }}
{%- endmacro %}

{#- A list of values (DuckDB [a, b]; PostgreSQL array[a, b]): e.g. a sort key compared element by
    element, or the rows of `unnest(...)` in a from clause. -#}
{% macro list_literal(items) -%}
    {{ return(adapter.dispatch('list_literal', 'journey_warehouse')(items)) }}
{%- endmacro %}

{% macro duckdb__list_literal(items) -%}
    [{{ items | join(', ') }}]
{%- endmacro %}

{% macro default__list_literal(items) -%}
    array[{{ items | join(', ') }}]
{%- endmacro %}

{#- arg_min / arg_max over a window (`window`: a named window or `(...)`), `value` text and `key` a
    list_literal of numbers; rows where either is null skipped (DuckDB's arg_min). PostgreSQL: the
    journey_arg_min / journey_arg_max aggregates of engine_setup. -#}
{% macro window_arg_min(value, key, window) -%}
    {{ return(adapter.dispatch('window_arg_extreme', 'journey_warehouse')('min', value, key, window)) }}
{%- endmacro %}

{% macro window_arg_max(value, key, window) -%}
    {{ return(adapter.dispatch('window_arg_extreme', 'journey_warehouse')('max', value, key, window)) }}
{%- endmacro %}

{% macro duckdb__window_arg_extreme(kind, value, key, window) -%}
    arg_{{ kind }}({{ value }}, {{ key }}) over {{ window }}
{%- endmacro %}

{% macro default__window_arg_extreme(kind, value, key, window) -%}
    public.journey_arg_{{ kind }}(cast({{ value }} as text), cast({{ key }} as numeric[])) over {{ window }}
{%- endmacro %}

{#- The mean of a column as a double (DuckDB's avg of integers is one; PostgreSQL's is numeric). -#}
{% macro average(expression) -%}
    {{ return(adapter.dispatch('average', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__average(expression) -%}
    avg({{ expression }})
{%- endmacro %}

{% macro default__average(expression) -%}
    avg(cast({{ expression }} as double precision))
{%- endmacro %}

{#- The median (an aggregate): the middle value, the mean of the two middle ones for an even count,
    as a double (DuckDB median of numbers; PostgreSQL percentile_cont(0.5)). -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro default__median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{#- The continuous quantile of a column at `fraction` (an aggregate; interpolated, as a double). -#}
{% macro quantile_cont(expression, fraction) -%}
    {{ return(adapter.dispatch('quantile_cont', 'journey_warehouse')(expression, fraction)) }}
{%- endmacro %}

{% macro duckdb__quantile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro default__quantile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{#- A list of values without its nulls, in order (`items`: the values, comma-separated SQL). -#}
{% macro list_without_nulls(items) -%}
    {{ return(adapter.dispatch('list_without_nulls', 'journey_warehouse')(items)) }}
{%- endmacro %}

{% macro duckdb__list_without_nulls(items) -%}
    list_filter([{{ items }}
        ], lambda flag: flag is not null)
{%- endmacro %}

{% macro default__list_without_nulls(items) -%}
    array_remove(array[{{ items }}
        ], null)
{%- endmacro %}
