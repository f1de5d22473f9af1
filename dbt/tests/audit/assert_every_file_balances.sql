-- A failure means rows were lost or counted twice at ingest: for some file the rows read differ
-- from loaded + quarantined + duplicated (see raw._ingest_files and dagster_project/ingest/loader.py).
with

audit as (

    select * from {{ ref('mart_load_audit') }}

),

final as (

    select
        table_name,
        source_file,
        status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_duplicated
    from audit
    where rows_read != rows_loaded + rows_quarantined + rows_duplicated

)

select * from final
