"""Second vendor formats (issue 13 part 3), loaded into the same marts: Stripe Dashboard CSV exports
(billing), Intercom's conversations CSV (support) and Typeform's responses CSV (NPS).

``tests/fixtures/stripe_dashboard/billing/`` holds the Dashboard's customers, subscriptions and
invoices exports (English headers, minimal quoting, money in major units) for four customers;
``tests/fixtures/intercom/support/`` two exports of a conversations report (times in
America/New_York, as the headers say); ``tests/fixtures/typeform/surveys/`` a Typeform download
of an NPS form with hidden fields email and account_id. The rest of the folder is the mini
business: its CRM, product, NPS CSV and Zendesk tickets (so each vendor meets the first one in the
same mart). Every expected
figure below is worked out by hand from those CSV rows (see the comments), never read back from the
warehouse.
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
INTERCOM_SUPPORT = FIXTURES / "intercom" / "support"
TYPEFORM_SURVEYS = FIXTURES / "typeform" / "surveys"


def _exports(root: Path) -> Path:
    """The mini business, its billing folder replaced by the Stripe Dashboard CSV exports, the
    Intercom conversations exports added to its support folder and the Typeform download to its
    surveys folder."""
    for family in ("crm", "support", "product", "surveys"):
        shutil.copytree(MINI_EXPORTS / family, root / family)
    shutil.copytree(DASHBOARD_BILLING, root / "billing")
    for path in INTERCOM_SUPPORT.iterdir():
        shutil.copy2(path, root / "support" / path.name)
    for path in TYPEFORM_SURVEYS.iterdir():
        shutil.copy2(path, root / "surveys" / path.name)
    return root


@pytest.fixture(scope="module")
def dashboard_warehouse(built_warehouse, tmp_path_factory) -> Path:
    return built_warehouse(_exports(tmp_path_factory.mktemp("vendors") / "exports"), "second_vendors")


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


def test_an_invoice_without_a_service_period_is_named_by_the_raw_suite(tmp_path):
    """The older export has no line item periods: without its subscription's Interval the annual
    invoice's period is unknown, and the suite's critical `_recurring_period_problem` names it."""
    exports = tmp_path / "exports"
    (exports / "billing").mkdir(parents=True)
    shutil.copy2(DASHBOARD_BILLING / "invoices_2024-02_export.csv", exports / "billing")
    with duckdb.connect(str(tmp_path / "loaded.duckdb")) as con:
        loader = Loader(con, exports)
        for name, files in discover(exports).items():
            loader.load_table(table(name), files)
        prepare_connection(con)
        (suite,) = [suite for suite in load_suites(kind="raw") if suite.target[-1] == "stripe_dashboard_invoices"]
        rows = con.execute(
            f"select _source_file, _row_number, _recurring_period_problem from ({suite.query})"
        ).fetchall()
    assert rows == [
        (
            "billing/invoices_2024-02_export.csv",
            1,
            "no Maximum Line Item Period End (UTC), and subscription sub_D2 has no Interval in the subscriptions "
            "export: the service period is unknown",
        )
    ]


# -- Intercom conversations (support) ------------------------------------------------------------
def test_intercom_file_names_feed_their_table():
    assert table_for_file("support/intercom_conversations_2024-03-15.csv").name == "intercom_conversations"
    assert table_for_file("support/Conversations.CSV.gz").name == "intercom_conversations"
    assert table_for_file("support/zendesk_tickets.csv").name == "zendesk_tickets_csv"


def test_intercom_files_load_whole(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select source_file, status, rows_read, rows_loaded, rows_quarantined from marts.mart_load_audit "
        "where source_file like 'support/intercom%' order by source_file",
    )
    assert rows == [
        ("support/intercom_conversations_2024-03-15.csv", "loaded", 4, 4, 0),
        ("support/intercom_conversations_2024-03-20.csv", "loaded", 1, 1, 0),
    ]


def test_conversations_in_the_support_mart(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select ticket_id, account_id, created_at, solved_at, status, channel, tags, first_reply_minutes, "
        "first_resolution_minutes, full_resolution_minutes, csat, is_csat_good, source_shape "
        "from marts.fct_support_tickets where ticket_id like 'intercom:%' order by ticket_id",
    )
    utc = [(row[0], row[2].isoformat(sep=" "), row[3] and row[3].isoformat(sep=" ")) for row in rows]
    assert utc == [
        # America/New_York is UTC−5 until 10 March 2024, UTC−4 after
        ("intercom:1001", "2024-03-04 14:00:00", "2024-03-04 15:30:00"),
        # reopened on the 15th export; the 20th's export (newer Conversation updated at) has it closed
        ("intercom:1002", "2024-03-12 12:00:00", "2024-03-19 15:00:00"),
        # 23:30 in New York is the next day in UTC
        ("intercom:1003", "2024-03-16 03:30:00", "2024-03-16 04:15:00"),
        # snoozed: not solved
        ("intercom:1004", "2024-02-20 15:00:00", None),
    ]
    assert [(row[0], row[1], row[4], row[5], list(row[6])) for row in rows] == [
        ("intercom:1001", "101", "closed", "chat", ["billing", "sso"]),  # Company ID 101 is a CRM id
        ("intercom:1002", "102", "closed", "email", ["invoice"]),  # bob@beta.io is a contact of 102
        ("intercom:1003", None, "closed", "chat", ["refund"]),  # ic_co_77, unknown email: unmatched
        ("intercom:1004", "103", "snoozed", "chat", []),  # jimin@gamma.kr is a contact of 103
    ]
    # seconds ÷ 60; Last teammate rating 1–5, good from 4 (var csat_good_min_score)
    assert [tuple(row[7:]) for row in rows] == [
        (10.0, 90.0, 90.0, "5", True, "intercom_csv"),
        (30.0, 60.0, 10260.0, "4", True, "intercom_csv"),
        (2.0, 45.0, 45.0, "2", False, "intercom_csv"),
        (None, None, None, None, None, "intercom_csv"),
    ]


def test_zendesk_tickets_are_still_there(dashboard_warehouse):
    assert query(
        dashboard_warehouse,
        "select ticket_id, source_shape from marts.fct_support_tickets where ticket_id not like 'intercom:%'",
    ) == [("9001", "api")]


def test_unmatched_conversation_is_listed(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select count(*) from marts.mart_unmatched_records where record_id = 'intercom:1003'",
    )
    assert rows == [(1,)]


# -- Typeform responses (NPS) ----------------------------------------------------------------------
def test_typeform_file_names_feed_their_table():
    # `typeform_nps_2024-03.csv` also matches the project's own `*nps*.csv`: Typeform's is more specific
    assert table_for_file("surveys/typeform_nps_2024-03.csv").name == "typeform_responses"
    assert table_for_file("surveys/Typeform-export.csv.gz").name == "typeform_responses"
    assert table_for_file("surveys/nps_responses.csv").name == "nps_responses"


def test_typeform_responses_in_the_nps_fact(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select response_id, account_id, respondent, responded_at, score, nps_category, is_latest_in_month "
        "from marts.fct_nps_responses where response_id like 'typeform:%' order by responded_at",
    )
    assert [(row[0], row[1], row[2], row[3].isoformat(sep=" "), row[4], row[5], row[6]) for row in rows] == [
        # hidden field account_id 101; an earlier answer than alice's own-CSV one of 20 March
        (
            "typeform:k3h9x0a1b2c3d4e5f6a7b8c9d0e1f2a3",
            "101",
            "alice@acme.com",
            "2024-03-05 14:02:11",
            10,
            "promoter",
            False,
        ),
        # no account_id: Bob@Beta.io is a CRM contact of 102; bob answers again on 7 March (own CSV)
        (
            "typeform:m7q2w4e6r8t0y1u3i5o7p9a2s4d6f8g0",
            "102",
            "bob@beta.io",
            "2024-03-06 09:00:00",
            6,
            "detractor",
            False,
        ),
        # no email: a respondent of its own
        (
            "typeform:p0o9i8u7y6t5r4e3w2q1a2s3d4f5g6h7",
            "103",
            "response:typeform:p0o9i8u7y6t5r4e3w2q1a2s3d4f5g6h7",
            "2024-03-07 10:16:30",
            8,
            "passive",
            True,
        ),
        (
            "typeform:q5w6e7r8t9y0u1i2o3p4a5s6d7f8g9h0",
            None,
            "unknown@nowhere.example",
            "2024-03-08 16:21:05",
            9,
            "promoter",
            True,
        ),
        # the partial response (no Submit Date) is not an NPS answer
    ]


def test_nps_of_march_counts_both_tools(dashboard_warehouse):
    rows = query(
        dashboard_warehouse,
        "select responses, promoters, passives, detractors, nps, average_score from marts.mart_nps "
        "where month = '2024-03-01' and dimension = 'overall'",
    )
    # latest answer per respondent in March: alice 6 (own CSV, 20 Mar), bob 10 (own CSV, 7 Mar),
    # the Typeform respondent without email 8, unknown@nowhere.example 9
    assert rows == [(4, 2, 1, 1, pytest.approx(25.0), pytest.approx(8.25))]
