-- One row per Typeform response, from the results CSV download, in the columns of
-- stg_surveys__nps_responses (int_survey_responses reads both). Ids are prefixed `typeform:`. The
-- NPS question is the column whose header var typeform_nps_question finds; the email and CRM
-- company id are the hidden fields vars typeform_email_field and typeform_account_field name. A
-- response counts as NPS when it was submitted (`Response Type` completed or absent, a `Submit Date
-- (UTC)`) and answers the NPS question; a score that is not a whole number 0–10 fails the build
-- (dbt test assert_typeform_scores_are_nps_scores). Of a response's copies, the latest load wins.
{%- set relation = source('surveys', 'typeform_responses') %}
{%- set score_column = column_matching(relation, var('typeform_nps_question')) %}
with

source as (

    select * from {{ relation }}

),

renamed as (

    select
        'typeform:' || trim("#") as response_id,
        {{ normalize_email(optional_column(relation, var('typeform_email_field'))) }} as email,
        {{ try_cast('trim(' ~ score_column ~ ')', 'integer') }} as score,
        {{ score_column }} as score_raw,
        {{ parse_timestamp('"Submit Date (UTC)"') }} as responded_at,
        "Submit Date (UTC)" as responded_at_raw,
        cast(null as varchar) as comment,
        case
            when coalesce(lower(trim("Response Type")), 'completed') <> 'completed'
                then lower(trim("Response Type"))
            else 'nps'
        end as survey_type,
        coalesce(lower(trim("Response Type")), 'completed') = 'completed'
        and nullif(trim("Submit Date (UTC)"), '') is not null
        and nullif(trim({{ score_column }}), '') is not null as is_nps,
        nullif(trim({{ optional_column(relation, var('typeform_account_field')) }}), '') as crm_company_id,
        'typeform_csv' as source_shape,
        _source_file,
        _row_number,
        _loaded_at,
        row_number() over (partition by trim("#") order by {{ latest_record_order() }}) as recency_rank
    from source
    where nullif(trim("#"), '') is not null

),

final as (

    select {{ star_exclude(none, ['recency_rank']) }}
    from renamed
    where recency_rank = 1

)

select * from final
