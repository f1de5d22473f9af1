-- A failure means a cohort cell whose gross revenue retention exceeds 1 (or is negative): GRR caps
-- every account at its month-0 MRR, so it can only fall. A value above 1 means expansion leaked
-- into the gross figure or the starting MRR is wrong.
select *
from {{ ref('mart_cohort_retention') }}
where
    gross_revenue_retention > 1
    or gross_revenue_retention < 0
    or gross_retained_mrr > cohort_starting_mrr
    or active_customers > cohort_customers
