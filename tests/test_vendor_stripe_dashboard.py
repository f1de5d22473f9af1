"""Stripe Dashboard CSV exports (issue 13 part 3): the second billing shape, into the same marts.

The fixture ``tests/fixtures/stripe_dashboard/billing/`` holds the Dashboard's customers,
subscriptions and invoices exports (English headers, minimal quoting, money in major units) for four
customers; the rest of the export folder is the mini business's CRM, support, product and surveys.
Every expected figure below is worked out by hand from those CSV rows (see the comments), never
read back from the warehouse.
"""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.catalog import table, table_for_file
from dagster_project.ingest.loader import Loader, discover
from dagster_project.quality.suites import load_suites, prepare_connection, validate_frame
from tests.conftest import FIXTURES, MINI_EXPORTS, query

DASHBOARD_BILLING = FIXTURES / "stripe_dashboard" / "billing"


def _exports(root: Path) -> Path:
    """The mini business with its billing folder replaced by the Stripe Dashboard CSV exports."""
    for family in ("crm", "support", "product", "surveys"):
        shutil.copytree(MINI_EXPORTS / family, root / family)
    shutil.copytree(DASHBOARD_BILLING, root / "billing")
    return root


@pytest.fixture(scope="module")
def dashboard_warehouse(built_warehouse, tmp_path_factory) -> Path:
    return built_warehouse(_exports(tmp_path_factory.mktemp("dashboard") / "exports"), "stripe_dashboard")


def test_dashboard_file_names_feed_their_tables():
    assert table_for_file("billing/customers.csv").name == "stripe_dashboard_customers"
    assert table_for_file("billing/Subscriptions-2024.CSV").name == "stripe_dashboard_subscriptions"
    assert table_for_file("billing/invoices_2024-02_export.csv").name == "stripe_dashboard_invoices"
    assert table_for_file("billing/invoices.csv.gz").name == "stripe_dashboard_invoices"
    # the API shape keeps its own tables
    assert table_for_file("billing/stripe_invoices.jsonl").name == "stripe_invoices"


def test_every_dashboard_file_loads_whole(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select source_file, status, rows_read, rows_loaded, rows_quarantined from marts.mart_load_audit "
        "where source_file like 'billing/%' order by source_file",
    )
    assert rows == [
        ("billing/customers.csv", "loaded", 4, 4, 0),
        ("billing/invoices.csv", "loaded", 10, 10, 0),
        ("billing/invoices_2024-02_export.csv", "loaded", 1, 1, 0),
        ("billing/subscriptions.csv", "loaded", 4, 4, 0),
    ]


def test_customers_resolve_to_crm_companies(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select stripe_customer_id, account_id, match_method from intermediate.int_billing_customers_resolved "
        "order by stripe_customer_id",
    )
    assert rows == [
        ("cus_D1", "101", "crm_company_id"),  # hubspot_company_id (metadata) = 101
        ("cus_D2", "102", "domain"),  # finance@beta.io, Beta GmbH's domain beta.io
        ("cus_D3", "stripe:cus_D3", "standalone"),  # pay@nowhere.example matches nothing
        ("cus_D4", "104", "crm_company_id"),  # metadata 104
    ]


def test_staging_reads_major_units_and_the_invoice_header_variants(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select stripe_invoice_id, status, amount_due_cents, amount_paid_cents, created_at, source_shape "
        "from staging.stg_stripe__invoices where stripe_invoice_id in ('in_D1_3', 'in_D2_1', 'in_D3_2') "
        "order by stripe_invoice_id",
    )
    assert [row[:4] for row in rows] == [
        ("in_D1_3", "paid", 6900, 6900),  # Amount Due 69.00 (79.00 − 10.00 coupon)
        ("in_D2_1", "paid", 108000, 108000),  # the older export: Amount Due 1080.00
        ("in_D3_2", "open", 2000, 0),
    ]
    # `Date (UTC)` in invoices.csv, `Created (UTC)` in the older export
    assert [row[4].isoformat(sep=" ") for row in rows] == [
        "2024-03-15 10:00:00",
        "2024-02-01 09:00:00",
        "2024-02-05 11:05:00",
    ]
    assert {row[5] for row in rows} == {"dashboard_csv"}


def test_mrr_periods_from_the_invoices_csv(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select stripe_invoice_id, period_start_at, period_end_at, monthly_amount_local "
        "from intermediate.int_subscription_periods order by stripe_invoice_id",
    )
    expected = [
        # [Minimum Line Item Period Start, Maximum Line Item Period End), Subtotal − Total Discount Amount
        ("in_D1_1", "2024-01-15 10:00:00", "2024-02-15 10:00:00", 49.0),
        ("in_D1_2", "2024-02-15 10:00:00", "2024-03-15 10:00:00", 49.0),
        ("in_D1_3", "2024-03-15 10:00:00", "2024-04-15 10:00:00", 69.0),
        # no period columns: its date + its subscription's Interval (year); Amount Due 1080.00 ÷ 12
        ("in_D2_1", "2024-02-01 09:00:00", "2025-02-01 09:00:00", 90.0),
        ("in_D3_1", "2024-01-05 11:05:00", "2024-02-05 11:05:00", 20.0),
        ("in_D3_2", "2024-02-05 11:05:00", "2024-03-05 11:05:00", 20.0),  # open counts
        # a $0 trial invoice is a period worth 0 (never MRR > 0)
        ("in_D4_0", "2024-03-01 12:05:00", "2024-03-15 12:05:00", 0.0),
        # not periods: in_D3_s (no Subscription: a setup fee), in_D3_p (Billing Reason
        # subscription_update: a proration), in_D3_3 (void), in_D3_d (draft)
    ]
    assert [
        (invoice, start.isoformat(sep=" "), end.isoformat(sep=" "), pytest.approx(amount))
        for invoice, start, end, amount in rows
    ] == expected


def test_account_months(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select account_id, month, mrr, movement from marts.fct_mrr_account_month "
        "where month between '2024-01-01' and '2024-03-01' order by account_id, month",
    )
    assert rows == [
        # 101 (cus_D1): 49 live at the end of Jan and Feb; the 15 March renewal at 79 − 10 = 69
        ("101", date(2024, 1, 1), Decimal("49"), "new"),
        ("101", date(2024, 2, 1), Decimal("49"), "unchanged"),
        ("101", date(2024, 3, 1), Decimal("69"), "expansion"),
        # 102 (cus_D2): annual 1080 from 1 Feb = 90 a month
        ("102", date(2024, 2, 1), Decimal("90"), "new"),
        ("102", date(2024, 3, 1), Decimal("90"), "unchanged"),
        # cus_D3: 20 in Jan (paid) and Feb (open); the March invoice is void → churn
        ("stripe:cus_D3", date(2024, 1, 1), Decimal("20"), "new"),
        ("stripe:cus_D3", date(2024, 2, 1), Decimal("20"), "unchanged"),
        ("stripe:cus_D3", date(2024, 3, 1), Decimal("0"), "churn"),
    ]


def test_mrr_bridge(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select month, starting_mrr, new_mrr, expansion_mrr, churned_mrr, ending_mrr, customers "
        "from marts.mart_mrr_monthly where month between '2024-01-01' and '2024-03-01' order by month",
    )
    assert rows == [
        (date(2024, 1, 1), Decimal("0"), Decimal("69"), Decimal("0"), Decimal("0"), Decimal("69"), 2),
        (date(2024, 2, 1), Decimal("69"), Decimal("90"), Decimal("0"), Decimal("0"), Decimal("159"), 3),
        (date(2024, 3, 1), Decimal("159"), Decimal("0"), Decimal("20"), Decimal("20"), Decimal("159"), 2),
    ]


# -- a bad amount stops the build, naming file and row -----------------------------------------
def test_an_unreadable_recurring_amount_fails_the_raw_suite_by_row(tmp_path):
    exports = tmp_path / "exports"
    (exports / "billing").mkdir(parents=True)
    text = (DASHBOARD_BILLING / "invoices.csv").read_text(encoding="utf-8")
    # in_D1_2 (data row 2) with its Subtotal written with a decimal comma (a localised re-save)
    good_line = next(line for line in text.splitlines() if line.startswith("in_D1_2,"))
    bad_line = good_line.replace(",sub_D1,49.00,", ',sub_D1,"49,00",')
    assert bad_line != good_line
    (exports / "billing" / "invoices.csv").write_text(text.replace(good_line, bad_line), encoding="utf-8")
    with duckdb.connect(str(tmp_path / "loaded.duckdb")) as con:
        loader = Loader(con, exports)
        for name, files in discover(exports).items():
            loader.load_table(table(name), files)
        prepare_connection(con)
        (suite,) = [suite for suite in load_suites(kind="raw") if suite.target[-1] == "stripe_dashboard_invoices"]
        frame = con.execute(suite.query).df()
    failed = [outcome for outcome in validate_frame(frame, suite) if not outcome.success]
    assert [(outcome.severity, outcome.unexpected_count) for outcome in failed] == [("critical", 1)]
    assert "_recurring_amount_problem" in failed[0].name
    assert "billing/invoices.csv" in str(failed[0].examples) and "49,00" in str(failed[0].examples)
