{{ config(severity='warn') }}
-- A warning means some record (same id) arrived in several files with different content. The
-- record's own version decided which one the warehouse kept (an invoice's status then created, a
-- ticket's updated_at, a CRM record's Last Modified Date, else the export's modification time);
-- each row says which file and row was kept, which lost and why. decided_by = content_hash means
-- nothing in the record told the versions apart: check which export is right.
with

conflicts as (

    select * from {{ ref('int_record_version_conflicts') }}

),

final as (

    select raw_table, record_id, explanation
    from conflicts

)

select * from final
