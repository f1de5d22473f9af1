-- A failure means the quarantine and the ledger disagree: a loaded file's rows_quarantined is not the
-- number of its rows in raw._quarantine, so a quarantined row is missing or left over from an old load.
with

audit as (

    select * from {{ ref('mart_load_audit') }}
    where status = 'loaded'

),

quarantine as (

    select * from {{ source('ingest', '_quarantine') }}

),

quarantined_rows as (

    select
        table_name,
        source_file,
        count(*) as rows_in_quarantine
    from quarantine
    group by all

),

final as (

    select
        audit.table_name,
        audit.source_file,
        audit.rows_quarantined,
        quarantined_rows.rows_in_quarantine
    from audit
    left join quarantined_rows
        on
            audit.table_name = quarantined_rows.table_name
            and audit.source_file = quarantined_rows.source_file
    where audit.rows_quarantined != coalesce(quarantined_rows.rows_in_quarantine, 0)

)

select * from final
