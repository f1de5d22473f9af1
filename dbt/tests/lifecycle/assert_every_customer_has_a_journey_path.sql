-- A failure means an account that reached the customer rung has no journey_path in dim_accounts:
-- the path precedence (referral > free_trial > demo > sales_led > self_serve) left a customer out.
with

stages as (

    select * from {{ ref('fct_lifecycle_stages') }}

),

accounts as (

    select * from {{ ref('dim_accounts') }}

)

select stages.account_id
from stages
inner join accounts on stages.account_id = accounts.account_id
where stages.stage = 'customer'
    and accounts.journey_path is null
