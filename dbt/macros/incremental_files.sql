{#- Incremental staging by export file (issue 14; DECISIONLOG "Incremental staging").

    A staging model of a big fact (events, tickets) processes only the rows of files ingest loaded
    since the model's last successful run, and rebuilds in full whenever anything other than a pure
    append happened to its sources. What the model has seen is kept in `<schema>.<model>__files_read`
    (one table per model: models built in parallel never write the same table): one row per ledger
    entry (raw._ingest_files, status `loaded`) it has read (table, path, content hash, load time)
    and one marker row (table_name null) with the hash of the model's definition. The rule, checked
    in the model's pre-hook, inside the model's own transaction:

      - the model does not exist, or `--full-refresh`: full build (dbt's own rule);
      - no marker row (built before this rule existed), a different definition (the model's SQL,
        a macro of the project, or a dbt var they read changed), or any file it has seen
        that the ledger no longer lists as loaded with the same hash and load time (the file was
        removed, replaced by new content, or loaded again, e.g. a duplicate row's copy loaded after
        its original went): everything the model holds and has seen is forgotten, so the model
        reads every loaded file again: a full rebuild, in place;
      - else: only the files the ledger lists as loaded and the model has not seen (a pure append).

    The post-hook records what was read, in the same transaction as the rows: a build killed at any
    point leaves the model and its record both as they were, or both as they are after it. -#}

{% macro incremental_state_relation() -%}
    {{ this.schema }}.{{ this.identifier }}__files_read
{%- endmacro %}

{#- The hash of what defines the model's rows: its SQL, the source of every macro of this project
    (any of them may be called, directly, through another or through adapter dispatch; so a change to
    any macro rebuilds these models once) and the dbt vars those read. Sorted by macro name: the hash
    must not depend on the order in which a parse lists things (a full and a partial parse differ). -#}
{% macro incremental_definition_hash() -%}
    {%- set sources = {} -%}
    {%- for name, found in context.items() -%}
        {%- if found.macro is defined and found.macro.package_name == project_name -%}
            {%- do sources.update({name: found.macro.macro_sql}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set parts = [model.raw_code] -%}
    {%- for name in sources.keys() | sort -%}
        {%- do parts.append(name ~ '\n' ~ sources[name]) -%}
    {%- endfor -%}
    {%- set var_names = modules.re.findall("var\(\s*['\"](\w+)['\"]", parts | join('\n')) | unique | sort -%}
    {%- for var_name in var_names -%}
        {%- do parts.append(var_name ~ '=' ~ tojson(var(var_name, none))) -%}
    {%- endfor -%}
    {{ return(local_md5(parts | join('\n'))) }}
{%- endmacro %}

{#- The ledger's loaded files of `table_names` (raw table names). -#}
{% macro incremental_ledger_files(table_names) -%}
    select table_name, source_file, file_hash, loaded_at
    from {{ source('ingest', '_ingest_files') }}
    where status = 'loaded'
      and table_name in ({% for name in table_names %}'{{ name }}'{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}

{#- Pre-hook: make sure the record exists; in an incremental run, forget everything when the sources
    changed other than by new files (see the rule above). Returns no SQL: the work is done here. -#}
{% macro incremental_files_prepare(table_names) -%}
    {%- if execute -%}
        {%- do run_query(
            "create table if not exists " ~ incremental_state_relation() ~ " ("
            ~ "definition varchar, table_name varchar, source_file varchar, file_hash varchar, loaded_at timestamp, "
            ~ "recorded_at timestamp)"
        ) -%}
        {%- do run_query("alter table " ~ incremental_state_relation() ~ " add column if not exists run_mode varchar") -%}
        {%- if is_incremental() -%}
            {%- set reason = incremental_refresh_reason(table_names) -%}
            {%- if reason -%}
                {{ log(this.name ~ ": rebuilt in full, " ~ reason, info=true) }}
                {%- do run_query("delete from " ~ this) -%}
                {%- do run_query("delete from " ~ incremental_state_relation()) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Why the model must be rebuilt in full (a sentence), or '' when its sources only grew. -#}
{% macro incremental_refresh_reason(table_names) -%}
    {%- set state = incremental_state_relation() -%}
    {%- set marker = run_query(
        "select definition from " ~ state ~ " where table_name is null"
    ) -%}
    {%- if marker.rows | length == 0 -%}
        {{ return("no record of the files it has read") }}
    {%- endif -%}
    {%- if marker.rows[0][0] != incremental_definition_hash() -%}
        {{ return("its definition changed (its SQL, a macro of the project or a var they read)") }}
    {%- endif -%}
    {%- set stale = run_query(
        "select seen.table_name, seen.source_file from " ~ state ~ " as seen "
        ~ "where seen.table_name is not null and not exists ("
        ~ "select 1 from (" ~ incremental_ledger_files(table_names) ~ ") as ledger "
        ~ "where ledger.table_name = seen.table_name and ledger.source_file = seen.source_file "
        ~ "and ledger.file_hash = seen.file_hash and ledger.loaded_at = seen.loaded_at) "
        ~ "order by 1, 2 limit 3"
    ) -%}
    {%- if stale.rows | length > 0 -%}
        {{ return(
            "a file it has read was removed or loaded again since its last run (e.g. "
            ~ stale.rows[0][0] ~ ": " ~ stale.rows[0][1] ~ ")"
        ) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- Post-hook: record the files read and the definition (same transaction as the model's rows), and
    on the marker row how this run built the model: `incremental` (new files only) or `full`. -#}
{% macro incremental_files_record(table_names) -%}
    {%- set run_mode = 'full' -%}
    {%- if execute and is_incremental() -%}
        {%- set marker = run_query(
            "select count(*) from " ~ incremental_state_relation() ~ " where table_name is null"
        ) -%}
        {%- set run_mode = 'incremental' if marker.rows[0][0] > 0 else 'full' -%}
    {%- endif -%}
    {%- if execute -%}
        {%- do run_query("delete from " ~ incremental_state_relation()) -%}
    {%- endif -%}
    insert into {{ incremental_state_relation() }}
        (definition, table_name, source_file, file_hash, loaded_at, recorded_at, run_mode)
    select null, table_name, source_file, file_hash, loaded_at, current_timestamp, null
    from ({{ incremental_ledger_files(table_names) }}) as ledger
    union all
    select '{{ incremental_definition_hash() }}', null, null, null, null, current_timestamp, '{{ run_mode }}'
{%- endmacro %}

{#- In the model's SQL: `_source_file in {{ incremental_new_files('raw_table') }}` keeps the rows of
    the files of that raw table the model has not read yet (all of them after a pre-hook reset). -#}
{% macro incremental_new_files(table_name) -%}
    (
        select ledger.source_file
        from ({{ incremental_ledger_files([table_name]) }}) as ledger
        where not exists (
            select 1 from {{ incremental_state_relation() }} as seen
            where seen.table_name = ledger.table_name
              and seen.source_file = ledger.source_file
              and seen.file_hash = ledger.file_hash
              and seen.loaded_at = ledger.loaded_at
        )
    )
{%- endmacro %}
