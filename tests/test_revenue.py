"""The revenue marts against an independent computation from the export files.

tests/reference/revenue.py re-implements the spec's MRR definitions in plain Python, reading the
exports (not the warehouse, not the SQL). Every account-month of fct_mrr_account_month, every month
of mart_mrr_monthly and every cohort cell (``all`` and ``segment``) must match it, on the hand-made
mini fixture, the generic-profile fixture and a generated 400-account business; and again with
``mrr_month_membership: any_overlap`` (dbt alone, on a copy of the generated warehouse).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, MINI_EXPORTS, query
from tests.reference.revenue import (
    AccountMonth,
    RevenueReference,
    account_segments,
    latest_activity,
    month_of,
)

GENERIC_EXPORTS = FIXTURES / "generic_exports"
DBT_PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt"
CENT = Decimal("0.01")
# account-month MRR is stored rounded to 6 decimals; the reference rounds exact fractions the same way,
# the warehouse rounds doubles: they may differ in the last place
MONEY_TOLERANCE = Decimal("0.000002")

ACCOUNT_MONTH_SQL = """
    select account_id, month, mrr, previous_mrr, movement, movement_mrr, first_mrr_month
    from marts.fct_mrr_account_month
"""
MONTHLY_COLUMNS = (
    "starting_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr",
    "ending_mrr", "arr", "customers", "starting_customers", "new_customers", "reactivated_customers",
    "churned_customers", "logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate", "quick_ratio", "arpa",
)  # fmt: skip
COHORT_COLUMNS = (
    "cohort_customers", "active_customers", "logo_retention", "cohort_starting_mrr", "mrr",
    "net_revenue_retention", "gross_revenue_retention", "gross_retained_mrr",
)  # fmt: skip


# --- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def generic_warehouse(built_warehouse) -> Path:
    return built_warehouse(GENERIC_EXPORTS, "generic")


@pytest.fixture(
    scope="module",
    params=["mini", "generic", "generated"],
)
def case(request) -> tuple[Path, Path]:
    """(exports folder, warehouse) for each dataset."""
    if request.param == "mini":
        return MINI_EXPORTS, request.getfixturevalue("mini_warehouse")
    if request.param == "generic":
        return GENERIC_EXPORTS, request.getfixturevalue("generic_warehouse")
    return request.getfixturevalue("generated_exports"), request.getfixturevalue("generated_warehouse")


@pytest.fixture(scope="module")
def reference(case) -> RevenueReference:
    exports, _ = case
    return RevenueReference.from_exports(exports)


# --- helpers -------------------------------------------------------------------------------------
def warehouse_account_months(warehouse: Path) -> dict[tuple[str, date], tuple]:
    return {(row[0], row[1]): row for row in query(warehouse, ACCOUNT_MONTH_SQL)}


def differences(expected: dict[tuple[str, date], AccountMonth], actual: dict[tuple[str, date], tuple]) -> list:
    """Account-months that differ (at most 10, for a readable failure)."""
    found = [("missing in warehouse", key) for key in sorted(set(expected) - set(actual))]
    found += [("not in reference", key) for key in sorted(set(actual) - set(expected))]
    for key in sorted(set(expected) & set(actual)):
        want = expected[key]
        _, _, mrr, previous, movement, movement_mrr, first_month = actual[key]
        same = (
            abs(want.mrr - mrr) <= MONEY_TOLERANCE
            and abs(want.previous_mrr - previous) <= MONEY_TOLERANCE
            and want.movement == movement
            and abs(want.movement_mrr - movement_mrr) <= MONEY_TOLERANCE
            and want.first_mrr_month == first_month
        )
        if not same:
            found.append((key, want, actual[key]))
    return found[:10]


def assert_close(actual, expected, label: str) -> None:
    if expected is None or actual is None:
        assert actual is None and expected is None, f"{label}: warehouse {actual!r}, reference {expected!r}"
    elif isinstance(expected, int) and not isinstance(expected, bool):
        assert actual == expected, f"{label}: warehouse {actual}, reference {expected}"
    else:
        tolerance = 1e-9 * max(1.0, abs(float(expected))) + float(MONEY_TOLERANCE) * 1000
        assert abs(float(actual) - float(expected)) <= tolerance, f"{label}: warehouse {actual}, reference {expected}"


# --- as_of and account × month --------------------------------------------------------------------
def test_as_of_month_is_the_month_of_the_latest_activity(case, reference):
    exports, warehouse = case
    assert reference.as_of_month == month_of(latest_activity(exports))
    assert query(warehouse, "select as_of_month from intermediate.int_as_of") == [(reference.as_of_month,)]


def test_every_account_month_matches_the_reference(case, reference):
    _, warehouse = case
    expected = reference.account_months()
    actual = warehouse_account_months(warehouse)
    assert expected, "the reference found no revenue: the dataset does not exercise the marts"
    assert differences(expected, actual) == []


def test_account_series_run_from_first_paid_month_to_as_of_without_gaps(case, reference):
    _, warehouse = case
    rows = query(
        warehouse,
        """
        select account_id, min(month), max(month), count(*), count(distinct month), min(first_mrr_month)
        from marts.fct_mrr_account_month group by account_id
        """,
    )
    for account_id, first, last, count, distinct, first_paid in rows:
        assert first == first_paid and last == reference.as_of_month, account_id
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        assert count == distinct == months, f"{account_id}: {count} rows for {months} months"


# --- the monthly mart ----------------------------------------------------------------------------
def test_monthly_mart_matches_the_reference(case, reference):
    _, warehouse = case
    expected = reference.monthly()
    rows = query(warehouse, f"select month, {', '.join(MONTHLY_COLUMNS)} from marts.mart_mrr_monthly order by month")
    assert [row[0] for row in rows] == list(expected)
    for month, *values in rows:
        want = expected[month]
        for column, value in zip(MONTHLY_COLUMNS, values, strict=True):
            assert_close(value, getattr(want, column), f"{month} {column}")


def test_bridge_balances_to_the_cent_and_ratios_are_null_not_zero(case):
    _, warehouse = case
    rows = query(
        warehouse,
        """
        select month, starting_mrr, new_mrr, expansion_mrr, reactivation_mrr, contraction_mrr, churned_mrr,
               ending_mrr, starting_customers, logo_churn_rate, gross_mrr_churn_rate, quick_ratio
        from marts.mart_mrr_monthly
        """,
    )
    assert rows
    for month, start, new, expansion, reactivation, contraction, churned, end, customers, logo, gross, quick in rows:
        assert abs(start + new + expansion + reactivation - contraction - churned - end) < CENT, month
        assert (logo is None) == (customers == 0), month
        assert (gross is None) == (start == 0), month
        assert (quick is None) == (contraction + churned == 0), month


# --- cohorts -------------------------------------------------------------------------------------
def test_cohort_retention_matches_the_reference_overall_and_by_segment(case, reference):
    exports, warehouse = case
    segments = account_segments(exports)
    expected = reference.cohorts({"segment": segments})
    rows = query(
        warehouse,
        f"""
        select cohort_month, months_since_start, dimension, dimension_value, {", ".join(COHORT_COLUMNS)}
        from marts.mart_cohort_retention where dimension in ('all', 'segment')
        """,
    )
    assert {tuple(row[:4]) for row in rows} == set(expected)
    for row in rows:
        key, values = tuple(row[:4]), row[4:]
        for column, value in zip(COHORT_COLUMNS, values, strict=True):
            assert_close(value, getattr(expected[key], column), f"{key} {column}")


def test_journey_path_split_adds_up_to_the_cohort_and_grr_never_exceeds_one(case, reference):
    _, warehouse = case
    totals = query(
        warehouse,
        """
        select cohort_month, months_since_start, dimension,
               sum(cohort_customers), sum(active_customers), sum(cohort_starting_mrr), sum(mrr),
               sum(gross_retained_mrr), max(gross_revenue_retention),
               max(cast(cohort_month + to_months(months_since_start) as date))
        from marts.mart_cohort_retention group by all
        """,
    )
    by_dimension: dict[tuple, dict[str, tuple]] = {}
    for cohort, offset, dimension, *sums, max_grr, last_month in totals:
        by_dimension.setdefault((cohort, offset), {})[dimension] = tuple(sums)
        assert max_grr is None or max_grr <= 1.0
        assert last_month <= reference.as_of_month
    for key, dimensions in by_dimension.items():
        assert set(dimensions) == {"all", "segment", "journey_path"}, key
        assert dimensions["journey_path"] == dimensions["all"] == dimensions["segment"], key


# --- the other definition choice: any_overlap ------------------------------------------------------
@pytest.fixture(scope="module")
def any_overlap_warehouse(generated_warehouse, tmp_path_factory) -> Path:
    """A copy of the generated warehouse with the revenue models rebuilt by dbt under any_overlap."""
    folder = tmp_path_factory.mktemp("any_overlap")
    warehouse = folder / "journey.duckdb"
    shutil.copyfile(generated_warehouse, warehouse)
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), "build",
        "--select", "int_mrr_account_currency_months", "int_mrr_account_months", "fct_mrr_account_month",
        "mart_mrr_monthly",
        "--vars", "{mrr_month_membership: any_overlap}",
        "--target-path", str(folder / "target"), "--log-path", str(folder / "logs"),
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
    ]  # fmt: skip
    result = subprocess.run(
        command, env={**os.environ, "JOURNEY_WAREHOUSE": str(warehouse)}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return warehouse


def test_any_overlap_membership_matches_the_reference(generated_exports, generated_warehouse, any_overlap_warehouse):
    reference = RevenueReference.from_exports(generated_exports, membership="any_overlap")
    expected = reference.account_months()
    actual = warehouse_account_months(any_overlap_warehouse)
    assert differences(expected, actual) == []
    # the var really changes something: a period that ends mid-month now counts in that month
    end_of_month = warehouse_account_months(generated_warehouse)
    assert sum(row[2] for row in actual.values()) > sum(row[2] for row in end_of_month.values())
    monthly = reference.monthly()
    rows = query(any_overlap_warehouse, "select month, ending_mrr, churned_mrr from marts.mart_mrr_monthly")
    assert [row[0] for row in sorted(rows)] == list(monthly)
    for month, ending, churned in rows:
        assert_close(ending, monthly[month].ending_mrr, f"{month} ending_mrr")
        assert_close(churned, monthly[month].churned_mrr, f"{month} churned_mrr")
