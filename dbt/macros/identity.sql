{#- Identity resolution, in the order marts.md gives:
    1. a CRM company id carried by the record that exists in the CRM export;
    2. else an exact (case-insensitive) email match to a CRM contact → its first Associated Company ID
       that exists in the CRM export;
    3. else the email's domain (or the record's own domain) equal to a company's Company Domain Name.
    `records` is a CTE with columns: carried_company_id, email, record_domain (any may be null).
    Adds account_id (null when unresolved), match_method and unmatched_reason. -#}
{% macro resolve_account(records) -%}
    select
        {{ records }}.*,
        coalesce(by_id.crm_company_id, by_email.crm_company_id, by_domain.crm_company_id) as account_id,
        case
            when by_id.crm_company_id is not null then 'crm_company_id'
            when by_email.crm_company_id is not null then 'email'
            when by_domain.crm_company_id is not null then 'domain'
        end as match_method,
        case
            when by_id.crm_company_id is not null or by_email.crm_company_id is not null
                or by_domain.crm_company_id is not null then null
            when {{ records }}.carried_company_id is not null then 'carried company id not in the CRM export'
            when {{ records }}.email is null and {{ records }}.record_domain is null then 'no company id, email or domain'
            else 'no CRM company id, contact email or company domain matches'
        end as unmatched_reason
    from {{ records }}
    left join {{ ref('stg_hubspot__companies') }} as by_id
        on {{ records }}.carried_company_id = by_id.crm_company_id
    left join {{ ref('int_identity__emails') }} as by_email
        on {{ records }}.email = by_email.email
    left join {{ ref('int_identity__domains') }} as by_domain
        on coalesce({{ records }}.record_domain, nullif(split_part({{ records }}.email, '@', 2), '')) = by_domain.domain
{%- endmacro %}
