"""The generic profile end to end: a company's own CSVs plus mapping.yml, no SQL written.

Expected figures are worked out from tests/fixtures/generic_exports by hand (comments say how).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dagster_project.ingest.generic import MappingError, read_mapping
from tests.conftest import query


def series(warehouse: Path, account_id: str) -> dict[date, tuple[float, str]]:
    rows = query(
        warehouse,
        "select month, mrr, movement from marts.fct_mrr_account_month where account_id = ? order by month",
        [account_id],
    )
    return {month: (float(mrr), movement) for month, mrr, movement in rows}


def test_subscription_periods_give_mrr_by_the_end_of_month_rule(generic_warehouse):
    # as_of: the latest subscription start (B2, 2024-08-01); end dates are future-dated, not activity
    assert query(generic_warehouse, "select max(month) from marts.fct_mrr_account_month") == [(date(2024, 8, 1),)]
    alpha = series(generic_warehouse, "A1")
    # [2024-01-05, 2024-04-05) at 100 covers Jan–Mar ends; [04-05, 07-05) at 140.50 covers Apr–Jun
    assert [alpha[date(2024, month, 1)] for month in range(1, 8)] == [
        (100.0, "new"),
        (100.0, "unchanged"),
        (100.0, "unchanged"),
        (140.5, "expansion"),
        (140.5, "unchanged"),
        (140.5, "unchanged"),
        (0.0, "churn"),
    ]
    bravo = series(generic_warehouse, "B2")
    # [03-01, 05-01) covers March and April (end 05-01 is April's next instant); open-ended from 08-01
    assert bravo[date(2024, 4, 1)] == (30.0, "unchanged")
    assert bravo[date(2024, 5, 1)] == (0.0, "churn")
    assert bravo[date(2024, 8, 1)] == (30.0, "reactivation")
    charlie = series(generic_warehouse, "C3")  # open-ended from 2024-02-25: never vanishes
    assert set(charlie) == {date(2024, month, 1) for month in range(2, 9)}
    assert all(mrr == 2000.0 for mrr, _ in charlie.values())


def test_accounts_only_in_subscriptions_still_exist(generic_warehouse):
    accounts = dict(query(generic_warehouse, "select account_id, account_source from marts.dim_accounts"))
    assert accounts == {"A1": "generic", "B2": "generic", "C3": "generic", "D4": "generic"}
    assert series(generic_warehouse, "D4")[date(2024, 5, 1)] == (55.0, "new")


def test_tickets_responses_and_events_carry_their_account(generic_warehouse):
    tickets = query(
        generic_warehouse,
        "select ticket_id, account_id, first_reply_minutes, tags from intermediate.int_support_tickets order by 1",
    )
    assert tickets == [("T-1", "A1", 35.0, ["billing", "invoice"]), ("T-2", "C3", None, ["how_to"])]
    responses = query(
        generic_warehouse, "select response_id, account_id, score from intermediate.int_survey_responses order by 1"
    )
    assert responses == [("N-1", "A1", 9), ("N-2", "B2", 4)]
    events = query(
        generic_warehouse,
        "select account_id, event_name, count(*) from intermediate.int_product_events group by 1, 2 order by 1, 2",
    )
    assert events == [("A1", "Feature Used", 1), ("A1", "Logged In", 1), ("C3", "Logged In", 1)]


def test_mapping_errors_name_the_file_and_role(tmp_path):
    (tmp_path / "mapping.yml").write_text("subscriptions:\n  columns:\n    account_id: cust\n    start: s\n")
    with pytest.raises(MappingError, match=r"mapping.yml: subscriptions.columns lacks required role monthly_amount"):
        read_mapping(tmp_path)
    (tmp_path / "mapping.yml").write_text("invoices:\n  columns: {}\n")
    with pytest.raises(MappingError, match=r"unknown entity 'invoices'"):
        read_mapping(tmp_path)
