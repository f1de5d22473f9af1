-- One row per export file and outcome as the ingest ledger records it (loaded, duplicate_file, empty,
-- rejected, ignored, no_files, removed): hash, size, modification time, encoding, the four row counts
-- and the message. Written by dagster_project/ingest/loader.py; read here so marts read no source.
with

source as (

    select * from {{ source('ingest', '_ingest_files') }}

),

final as (

    select
        table_name,
        source_file,
        status,
        file_hash,
        file_bytes,
        file_modified_at,
        loaded_at,
        encoding,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_duplicated,
        message
    from source

)

select * from final
