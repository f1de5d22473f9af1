-- Fails the build when a submitted Typeform response answers the NPS question (var
-- typeform_nps_question) with anything but a whole number 0–10: its column may not be the NPS
-- question at all (point the var at the right one) or the answer is corrupt. Each row names file,
-- row and value. (The project's own NPS CSV quarantines such rows at ingest; Typeform's question
-- column is only known to dbt.)
with

responses as (

    select * from {{ ref('stg_typeform__responses') }}

),

final as (

    select _source_file, _row_number, response_id, score_raw
    from responses
    where
        is_nps
        and not coalesce(
            regexp_full_match(trim(score_raw), '[0-9]+') and try_cast(trim(score_raw) as integer) between 0 and 10,
            false
        )

)

select * from final
