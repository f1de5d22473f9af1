-- One row per row ingest kept out of a raw table: file, row and line number, raw text, reason and
-- rule. Written by dagster_project/ingest/loader.py; read here so marts read no source.
with

source as (

    select * from {{ source('ingest', '_quarantine') }}

),

final as (

    select
        table_name,
        source_file,
        file_hash,
        row_number,
        line_number,
        reason,
        rule,
        raw_text,
        quarantined_at
    from source

)

select * from final
