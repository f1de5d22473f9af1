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

{% macro postgres__parse_timestamp(expression) -%}
    public.journey_parse_timestamp(cast({{ expression }} as text))
{%- endmacro %}

{#- The formats are data: vars timestamp_formats and timestamp_offset_formats of dbt_project.yml,
    which ingest reads too (dagster_project/ingest/loader.py `parse_timestamp_sql` builds this same
    expression from them). -#}
{% macro duckdb__parse_timestamp(expression) -%}
    coalesce(
        try_strptime(trim({{ expression }}), [{% for format in var('timestamp_formats') %}'{{ format | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %}]),
        try_cast(try_cast(trim({{ expression }}) as timestamptz) at time zone 'UTC' as timestamp)
        {%- for format in var('timestamp_offset_formats') %},
        try_cast(try_strptime(trim({{ expression }}), '{{ format | replace("'", "''") }}') at time zone 'UTC' as timestamp)
        {%- endfor %}
    )
{%- endmacro %}

{#- A time that cannot be real is null (issue 10, item 6): before var quality_min_plausible_date
    (Zendesk writes `1900-01-01 00:00:00` as the solve time of unsolved tickets) or, when given,
    before `not_before` (the record's creation). The raw suites warn naming the rows. -#}
{% macro plausible_time(expression, not_before=none) -%}
    case
        when {{ expression }} < cast('{{ var("quality_min_plausible_date") }}' as timestamp) then null
        {%- if not_before is not none %}
        when {{ expression }} < {{ not_before }} then null
        {%- endif %}
        else {{ expression }}
    end
{%- endmacro %}

{#- A unix-seconds number (as the Stripe API writes times) to a UTC timestamp. -#}
{% macro from_unix_seconds(expression) -%}
    {{ return(adapter.dispatch('from_unix_seconds', 'journey_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__from_unix_seconds(expression) -%}
    {{ dbt.dateadd('second', expression, "cast('1970-01-01' as timestamp)") }}
{%- endmacro %}

{% macro postgres__from_unix_seconds(expression) -%}
    (to_timestamp({{ try_cast(expression, 'bigint') }}) at time zone 'UTC')
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

{#- A time given as unix seconds (as Stripe writes it) or as text (ISO 8601, as some extractors
    rewrite it): a UTC timestamp, null when neither. -#}
{% macro parse_unix_or_text_time(expression) -%}
    coalesce({{ from_unix_seconds(expression) }}, {{ parse_timestamp(expression) }})
{%- endmacro %}

{#- An amount in whole minor units (cents), never rounded: null when it is not a number (`null`,
    `"abc"`, `"29,00"`) or has a fraction of a minor unit (`2900.5`). The raw suite stripe_invoices
    fails on such recurring lines, naming file and row (critical: MRR would be wrong unseen). -#}
{% macro parse_minor_units(expression) -%}
    case
        when {{ try_cast('trim(' ~ expression ~ ')', 'decimal(38, 6)') }} = floor({{ try_cast('trim(' ~ expression ~ ')', 'decimal(38, 6)') }})
            then cast({{ try_cast('trim(' ~ expression ~ ')', 'decimal(38, 6)') }} as bigint)
    end
{%- endmacro %}

{#- An amount in major units (`29.00`, as the Stripe Dashboard's CSV exports write money) as whole
    minor units, by the currency's `digits` (an expression): null when it is not a plain decimal
    number (`abc`, `29,00`, `1,234.00`) or has a fraction of a minor unit (`29.005` in USD), never
    rounded. The raw suite stripe_dashboard_invoices fails on such amounts, naming file and row. -#}
{% macro parse_major_units(expression, digits) -%}
    case
        when {{ regexp_full_match('trim(' ~ expression ~ ')', '-?[0-9]+(\.[0-9]+)?') }}
            and {{ try_cast('trim(' ~ expression ~ ')', 'decimal(38, 9)') }} * cast(power(10, {{ digits }}) as bigint)
                = floor({{ try_cast('trim(' ~ expression ~ ')', 'decimal(38, 9)') }} * cast(power(10, {{ digits }}) as bigint))
            then cast({{ try_cast('trim(' ~ expression ~ ')', 'decimal(38, 9)') }} * cast(power(10, {{ digits }}) as bigint) as bigint)
    end
{%- endmacro %}

{#- A JSON array inside a JSON column, as a list of JSON values. -#}
{% macro json_array(column, path) -%}
    {{ return(adapter.dispatch('json_array', 'journey_warehouse')(column, path)) }}
{%- endmacro %}

{% macro postgres__json_array(column, path) -%}
    coalesce(case when jsonb_typeof({{ json_get(column, path) }}) = 'array' then {{ json_get(column, path) }} end, '[]'::jsonb)
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

{#- the same SQL on DuckDB and PostgreSQL (first match replaced, POSIX-style classes) -#}
{% macro default__normalize_domain(expression) -%}
    nullif(regexp_replace(regexp_replace(lower(trim({{ expression }})), '^(https?://)?(www\.)?', ''), '[/:].*$', ''), '')
{%- endmacro %}

{#- A numeric text (`1,200`, ` 35 `) as a number, null when not a number. -#}
{% macro parse_number(expression, type='double') -%}
    {{ try_cast("replace(trim(" ~ expression ~ "), ',', '')", type) }}
{%- endmacro %}

{#- Record versions (issue 10, item 3; DECISIONLOG "Which version of a record wins").
    When the same id arrives in several files, the record's own version decides, never the order
    files were loaded in or their names: the entity's version keys (descending, e.g. an invoice's
    status rank then `created`; a ticket's `updated_at`), then the export's own time (the file's
    modification time from the ingest ledger), then the row's content hash, so the winner is the same
    whatever the load order or the file names (`name (1).jsonl` neither wins nor loses by sorting). -#}

{#- The raw rows of a table with `_file_modified_at`, the export's own time, from the ledger. -#}
{% macro with_export_time(relation, table_name) -%}
    select
        source_rows.*,
        ledger.file_modified_at as _file_modified_at
    from {{ relation }} as source_rows
    left join (
        select source_file, max(file_modified_at) as file_modified_at
        from {{ source('ingest', '_ingest_files') }}
        where table_name = '{{ table_name }}' and status = 'loaded'
        group by source_file
    ) as ledger
        on source_rows._source_file = ledger.source_file
{%- endmacro %}

{#- The order that ranks versions of one record, best first. `version_columns` are columns of the
    CTE holding the version keys, most significant first. -#}
{% macro record_version_order(version_columns, prefix='') -%}
    {%- for column in version_columns %}{{ prefix }}{{ column }} desc nulls last, {% endfor -%}
    {{ prefix }}_file_modified_at desc nulls last, {{ prefix }}_row_hash desc, {{ prefix }}_source_file asc, {{ prefix }}_row_number asc
{%- endmacro %}

{#- The CTEs that keep the winning version of each record of `relation` (a CTE with `id_column`,
    the `version_columns`, `_file_modified_at`, `_row_hash`, `_source_file`, `_row_number`), ending in
    a CTE named `name`: the winner's columns (minus the version keys and `_row_hash`) plus
      _versions_seen           distinct contents seen for the id (1: no conflict);
      _superseded_source_file  where the best losing version (other content) was, and its row;
      _superseded_row_number
      _version_decided_by      which key decided against it: a version column's name,
                               `export_time` (the files' modification times) or `content_hash`.
    Use after `with ... <relation> as (...),`; `name` names the last CTE (and prefixes the others). -#}
{% macro winning_versions(relation, id_column, version_columns, name='winning_versions') -%}
{{ name }}__ranked as (

    select
        *,
        row_number() over (
            partition by {{ id_column }} order by {{ record_version_order(version_columns) }}
        ) as _version_rank,
        {{ count_distinct_over('_row_hash', id_column) }} as _versions_seen
    from {{ relation }}
    where {{ id_column }} is not null

),

{{ name }}__best as (

    select * from {{ name }}__ranked where _version_rank = 1

),

{{ name }}__runner_up as (

    select {{ first_row_distinct('ranked.' ~ id_column) }}
        ranked.{{ id_column }} as _runner_up_id,
        ranked._source_file as _runner_up_source_file,
        ranked._row_number as _runner_up_row_number,
        {%- for column in version_columns %}
        ranked.{{ column }} as _runner_up_{{ column }},
        {%- endfor %}
        ranked._file_modified_at as _runner_up_file_modified_at
    from {{ name }}__ranked as ranked
    inner join {{ name }}__best as best
        on ranked.{{ id_column }} = best.{{ id_column }}
        and ranked._row_hash <> best._row_hash
    {{ first_row_qualify('ranked.' ~ id_column, 'ranked._version_rank') }}

),

{{ name }} as (

    select
        {{ star_exclude('best', ['_version_rank', '_row_hash', '_file_modified_at'] + version_columns) }},
        runner_up._runner_up_source_file as _superseded_source_file,
        runner_up._runner_up_row_number as _superseded_row_number,
        case
            when runner_up._runner_up_id is null then null
            {%- for column in version_columns %}
            when best.{{ column }} is distinct from runner_up._runner_up_{{ column }} then '{{ column }}'
            {%- endfor %}
            when best._file_modified_at is distinct from runner_up._runner_up_file_modified_at then 'export_time'
            else 'content_hash'
        end as _version_decided_by
    from {{ name }}__best as best
    left join {{ name }}__runner_up as runner_up
        on best.{{ id_column }} = runner_up._runner_up_id

)
{%- endmacro %}

{#- Stripe invoice statuses ranked by how far along an invoice is: draft < open < paid/void/uncollectible. -#}
{% macro stripe_invoice_status_rank(expression) -%}
    case lower({{ expression }})
        when 'draft' then 0
        when 'open' then 1
        when 'paid' then 2
        when 'void' then 2
        when 'uncollectible' then 2
    end
{%- endmacro %}

{#- Stripe subscription statuses ranked: an ended subscription is further than a live one. -#}
{% macro stripe_subscription_status_rank(expression) -%}
    case lower({{ expression }})
        when 'incomplete' then 0
        when 'trialing' then 1
        when 'active' then 2
        when 'past_due' then 2
        when 'unpaid' then 2
        when 'paused' then 2
        when 'canceled' then 3
        when 'incomplete_expired' then 3
    end
{%- endmacro %}

{#- A column of a raw CSV table that the tool may or may not export (HubSpot's `Last Modified Date`):
    the quoted column when the table has it, else a typed null. -#}
{% macro optional_column(relation, column_name) -%}
    {%- set found = false -%}
    {%- if execute -%}
        {%- set names = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- set found = column_name in names -%}
    {%- endif -%}
    {%- if found -%}
        "{{ column_name | replace('"', '""') }}"
    {%- else -%}
        cast(null as varchar)
    {%- endif -%}
{%- endmacro %}

{#- Load order, for tables without a record version yet (generic profile, NPS): the latest load,
    then the latest file name, then the last row. -#}
{% macro latest_record_order() -%}
    _loaded_at desc, _source_file desc, _row_number desc
{%- endmacro %}

{#- A time column whose header names its time zone, as Intercom's CSV exports write them:
    `Conversation started at (America/New_York)` for `label` `Conversation started at`. Every such
    column of `relation` (one per workspace time zone seen) is read in its own zone and converted to
    UTC; null when the relation has none. -#}
{% macro zoned_time_column(relation, label) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- set pattern = modules.re.escape(label) ~ ' \\((.+)\\)' -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- set match = modules.re.fullmatch(pattern, column.name) -%}
            {%- if match -%}{%- do found.append([column.name, match.group(1)]) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}
    coalesce(
        {%- for name, zone in found %}
        timezone('UTC', timezone('{{ zone | replace("'", "''") }}', {{ parse_timestamp('"' ~ (name | replace('"', '""')) ~ '"') }})){{ "," if not loop.last }}
        {%- endfor %}
    )
    {%- else -%}
    cast(null as timestamp)
    {%- endif -%}
{%- endmacro %}

{#- The first column of `relation` whose header the regular expression `pattern` finds (Python
    `re.search`): quoted, or a typed null when none does (Typeform names a question's column by its
    text). -#}
{% macro column_matching(relation, pattern) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if not found and modules.re.search(pattern, column.name) -%}{%- do found.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if found -%}
        "{{ found[0] | replace('"', '""') }}"
    {%- else -%}
        cast(null as varchar)
    {%- endif -%}
{%- endmacro %}
