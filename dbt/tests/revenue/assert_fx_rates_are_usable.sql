-- A failure means seeds/fx_rates.csv has a rate that cannot convert money: not positive, or a month
-- that is not the first day of a month (the rate would never be found). Fix the row returned.
select *
from {{ ref('fx_rates') }}
where
    usd_per_unit <= 0
    or extract(day from month) <> 1
