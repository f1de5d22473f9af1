-- One row per survey response (NPS and other survey types); `is_nps` says which count as NPS.
with

source as (

    select * from {{ source('surveys', 'nps_responses') }}

),

renamed as (

    select
        trim(response_id) as response_id,
        {{ normalize_email('email') }} as email,
        {{ try_cast('trim(score)', 'integer') }} as score,
        score as score_raw,
        {{ parse_timestamp('responded_at') }} as responded_at,
        responded_at as responded_at_raw,
        nullif(comment, '') as comment,
        nullif(lower(trim(survey_type)), '') as survey_type,
        coalesce(nullif(lower(trim(survey_type)), ''), 'nps') = 'nps' as is_nps,
        nullif(trim(account_id), '') as crm_company_id,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (partition by trim(response_id) order by {{ latest_record_order() }}) as recency_rank
    from source
    where nullif(trim(response_id), '') is not null

),

final as (

    select {{ star_exclude(none, ['recency_rank']) }}
    from renamed
    where recency_rank = 1

)

select * from final
