"""End-to-end: the hand-made five-account fixture built through Dagster + dbt, checked on paper.

Every expected figure below is worked out from tests/fixtures/make_mini_exports.py (the comments
say how), not read from a build.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import MINI_EXPORTS, build, query

EUR_USD = {  # dbt/seeds/fx_rates.csv: eur interpolates 1.082 (2024) → 1.10 (2025) → 1.12 (2026) monthly
    date(2024, 5, 1): 1.082 + (1.10 - 1.082) * 4 / 12,
    date(2025, 3, 1): 1.10 + (1.12 - 1.10) * 2 / 12,
}


def mrr_series(warehouse: Path, account_id: str) -> dict[date, tuple[float, str]]:
    rows = query(
        warehouse,
        "select month, mrr, movement from marts.fct_mrr_account_month where account_id = ? order by month",
        [account_id],
    )
    return {month: (float(mrr), movement) for month, mrr, movement in rows}


def test_as_of_month_is_latest_activity_not_wall_clock(mini_warehouse):
    # latest activity: the Acme ticket updated 2025-03-20 (invoice periods running into 2025-04 don't count)
    assert query(mini_warehouse, "select as_of_month from intermediate.int_as_of") == [(date(2025, 3, 1),)]
    assert query(mini_warehouse, "select max(month) from marts.fct_mrr_account_month") == [(date(2025, 3, 1),)]


def test_monthly_plan_upgrade_churn_and_reactivation(mini_warehouse):
    series = mrr_series(mini_warehouse, "101")
    # $100/month invoices from 2024-01-15: each period [15th, 15th) covers its first month's last instant
    assert series[date(2024, 1, 1)] == (100.0, "new")
    assert series[date(2024, 5, 1)] == (100.0, "unchanged")
    assert series[date(2024, 6, 1)] == (150.0, "expansion")  # $150 from 2024-06-15
    assert series[date(2024, 8, 1)] == (0.0, "churn")  # last period ends 2024-08-15, before Sept 1
    assert series[date(2024, 9, 1)] == (0.0, "inactive")  # gap months are kept
    assert series[date(2024, 11, 1)] == (80.0, "reactivation")  # back at $80 from 2024-11-10
    assert series[date(2025, 2, 1)] == (0.0, "churn")
    assert len(series) == 15  # 2024-01 … 2025-03, no month after as_of


def test_annual_plan_with_discount_then_renewal(mini_warehouse):
    series = mrr_series(mini_warehouse, "102")  # cus_B resolved by contact email bob@beta.io → 102
    assert series[date(2024, 3, 1)] == (pytest.approx(80.0), "new")  # ($1,200 − $240) / 12
    assert series[date(2025, 2, 1)] == (pytest.approx(80.0), "unchanged")
    assert series[date(2025, 3, 1)] == (pytest.approx(200.0), "expansion")  # $2,400 / 12 on an open invoice


def test_void_uncollectible_proration_and_one_off_lines_are_not_mrr(mini_warehouse):
    series = mrr_series(mini_warehouse, "104")  # cus_C: carried id not in CRM → domain delta.com → 104
    assert [series[date(2024, month, 1)][0] for month in (2, 3, 4, 5, 6)] == [50.0, 50.0, 50.0, 50.0, 0.0]
    assert series[date(2024, 6, 1)][1] == "churn"  # the June invoice is uncollectible


def test_weekly_plan_and_unmatched_customer_keeps_revenue(mini_warehouse):
    series = mrr_series(mini_warehouse, "stripe:cus_D")
    # $12/week × 52/12 = $52/month; only the week 2024-04-29 → 05-06 covers April's last instant;
    # no weekly period covers May 31 (the last one ends 05-13); the $0 trial is not MRR
    assert series[date(2024, 4, 1)] == (pytest.approx(52.0), "new")
    assert series[date(2024, 5, 1)] == (0.0, "churn")
    assert date(2024, 3, 1) not in series
    unmatched = query(mini_warehouse, "select source, record_id from marts.mart_unmatched_records")
    assert ("stripe_customer", "cus_D") in unmatched


def test_euro_revenue_converts_at_the_month_rate_without_fake_movements(mini_warehouse):
    series = mrr_series(mini_warehouse, "103")
    assert series[date(2024, 5, 1)][0] == pytest.approx(100 * EUR_USD[date(2024, 5, 1)], abs=1e-5)
    assert series[date(2025, 3, 1)][0] == pytest.approx(100 * EUR_USD[date(2025, 3, 1)], abs=1e-5)
    movements = {movement for month, (_, movement) in series.items() if month > date(2024, 5, 1)}
    assert movements == {"unchanged"}  # €100 every month: a rate change is not a movement


def test_bridge_and_headline_figures(mini_warehouse):
    rows = query(
        mini_warehouse,
        "select month, starting_mrr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr,"
        " ending_mrr, customers, logo_churn_rate, quick_ratio from marts.mart_mrr_monthly order by month",
    )
    for month, start, new, expansion, reactivation, contraction, churned, ending, *_ in rows:
        assert start + new + expansion + reactivation - contraction - churned == ending, month
    by_month = {row[0]: row for row in rows}
    april = by_month[date(2024, 4, 1)]
    assert float(april[7]) == pytest.approx(100 + 80 + 50 + 52)  # Acme, Beta, Delta, Nowhere
    assert april[8] == 4
    may = by_month[date(2024, 5, 1)]
    assert may[9] == pytest.approx(1 / 4)  # Nowhere churned of 4 customers at April's end
    assert may[10] == pytest.approx((100 * EUR_USD[date(2024, 5, 1)]) / 52)  # new Gamma ÷ churned Nowhere
    january = by_month[date(2024, 1, 1)]
    assert january[9] is None and january[10] is None  # no denominator → null, not zero
    march_2025 = by_month[date(2025, 3, 1)]
    assert march_2025[7] == Decimal(str(round(200 + 100 * EUR_USD[date(2025, 3, 1)], 6)))


def test_accounts_resolve_in_the_specified_order(mini_warehouse):
    accounts = dict(
        query(mini_warehouse, "select account_id, coalesce(stripe_customer_ids, '') from marts.dim_accounts")
    )
    assert accounts == {
        "101": "cus_A",  # metadata.hubspot_company_id
        "102": "cus_B",  # contact email (case-insensitive), first associated company that exists
        "103": "cus_E",
        "104": "cus_C",  # carried id not in the CRM → domain of ap@delta.com
        "105": "",
        "stripe:cus_D": "cus_D",
    }
    segments = dict(query(mini_warehouse, "select account_id, segment from marts.dim_accounts"))
    assert segments == {
        "101": "smb",
        "102": "mid_market",
        "103": "individual",
        "104": "enterprise",
        "105": "unknown",
        "stripe:cus_D": "unknown",
    }


def test_building_twice_changes_no_count(mini_warehouse, tmp_path):
    # the first build is the session's shared build of the mini exports (a copy of its folder)
    shutil.copytree(mini_warehouse.parent, tmp_path / "twice", symlinks=True)
    warehouse = tmp_path / "twice" / mini_warehouse.name
    tables = [
        "raw.hubspot_companies",
        "raw.stripe_invoices",
        "raw.product_events",
        "raw._ingest_files",
        "raw._quarantine",
        "marts.fct_mrr_account_month",
        "marts.dim_accounts",
    ]

    def counts() -> dict[str, int]:
        return {table: query(warehouse, f"select count(*) from {table}")[0][0] for table in tables}

    first = counts()
    assert build(MINI_EXPORTS, warehouse).success
    assert counts() == first
    assert first["raw.stripe_invoices"] == 37 and first["marts.dim_accounts"] == 6
