-- The load audit's rule, one row per export file and outcome: what was read, loaded, quarantined
-- (and why: quarantine rules counted per file, most frequent first) and skipped as a duplicate; and
-- every file seen and not read (status ignored, with why) and every source folder nothing is read
-- from (status no_files). read = loaded + quarantined + duplicated holds for every file (tests/audit).
-- marts/audit/mart_load_audit is its contracted projection.
with

ledger as (

    select * from {{ ref('stg_ingest__files') }}

),

quarantine as (

    select * from {{ ref('stg_ingest__quarantine') }}

),

rows_by_rule as (

    select
        table_name,
        source_file,
        coalesce(rule, 'unclassified') as rule,
        count(*) as quarantined_rows
    from quarantine
    group by 1, 2, 3

),

quarantine_summary as (

    select
        table_name,
        source_file,
        string_agg(rule || ': ' || quarantined_rows, '; ' order by quarantined_rows desc, rule asc) as quarantine_rules
    from rows_by_rule
    group by 1, 2

),

final as (

    select
        ledger.table_name,
        ledger.source_file,
        ledger.status,
        ledger.file_hash,
        ledger.file_bytes,
        ledger.file_modified_at,
        ledger.loaded_at,
        coalesce(ledger.encoding = 'utf-8-bom', false) as has_byte_order_mark,
        ledger.rows_read,
        ledger.rows_loaded,
        ledger.rows_quarantined,
        ledger.rows_duplicated,
        ledger.rows_read = ledger.rows_loaded + ledger.rows_quarantined + ledger.rows_duplicated as is_balanced,
        case when ledger.status = 'loaded' then quarantine_summary.quarantine_rules end as quarantine_rules,
        ledger.message
    from ledger
    left join quarantine_summary
        on
            ledger.table_name = quarantine_summary.table_name
            and ledger.source_file = quarantine_summary.source_file

)

select * from final
