-- A failure means revenue is billed in a currency that seeds/fx_rates.csv has no rate for (or the
-- reporting currency, var reporting_currency, has none): that revenue cannot be converted. Add the
-- currency's monthly rates (US dollars per unit) to seeds/fx_rates.csv, and its minor-unit digits
-- to seeds/currencies.csv.
select distinct currency
from {{ ref('int_fx_rates_monthly') }}
where rate_to_reporting is null
