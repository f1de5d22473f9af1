-- One row per export file and outcome: rows read, loaded, quarantined (and why) and duplicated, and
-- whether they add up; files not read and source folders with no files too. The contracted
-- projection of intermediate/audit/int_load_audit_files, where the rule and its unit test live.
with

audit_files as (

    select * from {{ ref('int_load_audit_files') }}

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
        has_byte_order_mark,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_duplicated,
        is_balanced,
        quarantine_rules,
        message
    from audit_files

)

select * from final
