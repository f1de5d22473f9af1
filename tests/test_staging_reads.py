"""Staging must not misread data (issue 10, items 3, 5, 6, 9): one small export built end to end.

The exports hold, on purpose:
- item 3, which version wins: invoice in_1 paid in ``stripe_invoices.jsonl`` and its draft in a later
  written backup ``stripe_invoices_backup.jsonl`` (its name sorts after, its file is the newest);
  invoice in_2 open in the original and paid in the browser copy ``stripe_invoices (1).jsonl`` (whose
  name sorts before the original); company 1001 in two CRM exports, the newer ``Last Modified Date``
  in the file that sorts first and was written first;
- item 5: recurring lines typed ``Subscription``/`` SUBSCRIPTION `` with ISO 8601 periods, and one
  whose period ends where it starts;
- item 6: Zendesk's ``1900-01-01 00:00:00`` as ``Solved at`` of unsolved tickets, a solve before the
  ticket's creation, and a ticket metric solved in 1900.
Item 9 (amounts that cannot be parsed) blocks the build in the raw suite: the corpus case
``unparseable_amount`` (tests/bad_inputs) proves it names the rows.
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import query

JAN, FEB, MAR = 1704067200, 1706745600, 1709251200  # 2024-01-01, 2024-02-01, 2024-03-01 (UTC)
ISO_JAN, ISO_FEB = "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"  # as some extractors rewrite them
PRICE = {"id": "price_1", "product": "prod_1", "recurring": {"interval": "month", "interval_count": 1}}


def _invoice(invoice_id: str, status: str, created: int, lines: list[dict]) -> dict:
    return {
        "id": invoice_id,
        "object": "invoice",
        "customer": "cus_1",
        "status": status,
        "created": created,
        "currency": "usd",
        "amount_due": 10000,
        "amount_paid": 10000 if status == "paid" else 0,
        "lines": {"data": lines},
    }


def _line(line_id: str, start: object, end: object, amount: int = 10000, line_type: str = "subscription") -> dict:
    return {
        "id": line_id,
        "type": line_type,
        "amount": amount,
        "proration": False,
        "period": {"start": start, "end": end},
        "price": PRICE,
        "discount_amounts": [],
    }


def _write(path: Path, text: str, modified: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (modified, modified))


def _jsonl(*records: dict) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("staging_reads") / "exports"
    written = 1717200000  # 2024-06-01: every export was written then or a day later
    later = written + 86400
    customer = {"id": "cus_1", "email": "ana@company1.com", "created": JAN, "currency": "usd"}
    customer["metadata"] = {"hubspot_company_id": "1001"}
    _write(root / "billing/stripe_customers.jsonl", _jsonl(customer), written)
    january = _line("il_1", JAN, FEB)
    _write(
        root / "billing/stripe_invoices.jsonl",
        _jsonl(
            _invoice("in_1", "paid", JAN, [january]),
            _invoice("in_2", "open", JAN, [_line("il_2", JAN, FEB)]),
        ),
        written,
    )
    _write(root / "billing/stripe_invoices_backup.jsonl", _jsonl(_invoice("in_1", "draft", JAN, [january])), later)
    _write(
        root / "billing/stripe_invoices (1).jsonl",
        _jsonl(_invoice("in_2", "paid", JAN, [_line("il_2", JAN, FEB)])),
        written,
    )
    _write(
        root / "billing/stripe_invoices_2024.jsonl",
        _jsonl(
            _invoice("in_11", "paid", JAN, [_line("il_11", ISO_JAN, ISO_FEB, 5000, "Subscription")]),
            _invoice("in_12", "paid", FEB, [_line("il_12", "2024-02-01 00:00:00", MAR, 5000, " SUBSCRIPTION ")]),
            _invoice("in_13", "paid", MAR, [_line("il_13", MAR, MAR, 7000)]),
        ),
        written,
    )
    header = "Record ID,Company name,Create Date,Company Domain Name,Last Modified Date\n"
    _write(root / "crm/hubspot_companies_a.csv", header + "1001,Acme New,2023-06-01,acme.com,2024-05-01\n", written)
    _write(root / "crm/hubspot_companies_b.csv", header + "1001,Acme Old,2023-06-01,acme.com,2024-01-01\n", later)
    _write(
        root / "support/zendesk_tickets_export.csv",
        "Id,Created at,Status,Solved at\n"
        "20,2024-01-01 10:00,Open,1900-01-01 00:00:00\n"
        "21,2024-01-02 10:00,Solved,2024-01-01 09:00:00\n"
        "22,2024-01-04 10:00,Solved,2024-01-05 09:00:00\n",
        written,
    )
    _write(
        root / "support/zendesk_ticket_metrics.jsonl",
        _jsonl({"ticket_id": 22, "solved_at": "1900-01-01T00:00:00Z", "reopens": 0, "replies": 1}),
        written,
    )
    return root


@pytest.fixture(scope="module")
def warehouse(exports, built_warehouse) -> Path:
    return built_warehouse(exports, "staging_reads")


def test_the_record_s_own_version_wins_whatever_the_file_order(warehouse):
    invoices = query(warehouse, "select stripe_invoice_id, status, _source_file from staging.stg_stripe__invoices")
    assert sorted(invoices) == [
        ("in_1", "paid", "billing/stripe_invoices.jsonl"),
        ("in_11", "paid", "billing/stripe_invoices_2024.jsonl"),
        ("in_12", "paid", "billing/stripe_invoices_2024.jsonl"),
        ("in_13", "paid", "billing/stripe_invoices_2024.jsonl"),
        ("in_2", "paid", "billing/stripe_invoices (1).jsonl"),
    ]
    companies = query(warehouse, "select crm_company_id, company_name from staging.stg_hubspot__companies")
    assert companies == [("1001", "Acme New")]


def test_every_conflict_is_listed_with_the_kept_and_the_losing_version(warehouse):
    conflicts = query(
        warehouse,
        "select raw_table, record_id, versions_seen, kept_source_file, superseded_source_file, decided_by "
        "from intermediate.int_record_version_conflicts order by all",
    )
    assert conflicts == [
        (
            "hubspot_companies",
            "1001",
            2,
            "crm/hubspot_companies_a.csv",
            "crm/hubspot_companies_b.csv",
            "version_last_modified_at",
        ),
        (
            "stripe_invoices",
            "in_1",
            2,
            "billing/stripe_invoices.jsonl",
            "billing/stripe_invoices_backup.jsonl",
            "version_status",
        ),
        (
            "stripe_invoices",
            "in_2",
            2,
            "billing/stripe_invoices (1).jsonl",
            "billing/stripe_invoices.jsonl",
            "version_status",
        ),
    ]
    explanation = query(
        warehouse, "select explanation from intermediate.int_record_version_conflicts where record_id = 'in_1'"
    )
    assert explanation == [
        (
            "kept billing/stripe_invoices.jsonl row 1 over billing/stripe_invoices_backup.jsonl row 1 "
            "(2 versions), decided by version_status",
        )
    ]


def test_iso_periods_capitalised_types_and_zero_length_periods_are_revenue(warehouse):
    periods = query(
        warehouse,
        "select subscription_period_id, period_start_at, period_end_at, monthly_amount_local "
        "from intermediate.int_subscription_periods order by all",
    )
    assert periods == [
        ("stripe:in_11:il_11", datetime(2024, 1, 1), datetime(2024, 2, 1), 50.0),
        ("stripe:in_12:il_12", datetime(2024, 2, 1), datetime(2024, 3, 1), 50.0),
        ("stripe:in_13:il_13", datetime(2024, 3, 1), datetime(2024, 3, 1), 70.0),
        ("stripe:in_1:il_1", datetime(2024, 1, 1), datetime(2024, 2, 1), 100.0),
        ("stripe:in_2:il_2", datetime(2024, 1, 1), datetime(2024, 2, 1), 100.0),
    ]
    # end_of_month (default): January has in_1, in_2 (the paid copy) and in_11; February in_12; the
    # zero-length period covers no month's last instant.
    months = query(warehouse, "select month, mrr_local from intermediate.int_mrr_account_currency_months order by 1")
    assert months == [(date(2024, 1, 1), 250.0), (date(2024, 2, 1), 50.0)]


def test_impossible_solve_times_are_null_not_a_solve(warehouse):
    tickets = query(warehouse, "select ticket_id, solved_at from intermediate.int_support_tickets order by ticket_id")
    # 20: 1900 means unsolved; 21: solved before it was created; 22: the metric's 1900 is no solve, the
    # CSV's own solve time stays
    assert tickets == [("20", None), ("21", None), ("22", datetime(2024, 1, 5, 9, 0))]
