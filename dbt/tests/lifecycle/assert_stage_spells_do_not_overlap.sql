-- A failure means two stage spells of one account overlap (or a spell ends before it starts), so
-- "the account's stage at time t" would be ambiguous for the NPS, support and touchpoint marts.
with

spells as (

    select * from {{ ref('int_account_stage_spells') }}

),

ordered as (

    select
        *,
        lead(valid_from) over (partition by account_id order by valid_from) as next_valid_from
    from spells

)

select *
from ordered
where valid_to <= valid_from
    or (next_valid_from is not null and (valid_to is null or valid_to != next_valid_from))
