"""The generic profile end to end: a company's own CSVs plus mapping.yml, no SQL written.

Expected figures are worked out from tests/fixtures/generic_exports by hand (comments say how).
"""

from __future__ import annotations

import json
import os
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


# --- units, joins, constants, churn events and vars (issue 13, part 2) --------------------------
# The worked example of docs/generic_profile.md, data/generic_example/exports. Its expected figures
# are worked out by hand from the CSV files (comments say how), not read off a build.


def write_mapping(folder: Path, text: str) -> Path:
    (folder / "mapping.yml").write_text(text, encoding="utf-8")
    return folder


def test_units_minor_units_and_decimal_comma_are_read_into_conversions(tmp_path):
    mapping = read_mapping(
        write_mapping(
            tmp_path,
            "subscriptions:\n  columns:\n    account_id: c\n    start: s\n"
            "    monthly_amount: {column: cents, minor_units: true}\n"
            "tickets:\n  decimal: comma\n  columns:\n    ticket_id: t\n    account_id: c\n    created_at: o\n"
            "    first_reply_minutes: {column: h, unit: hours}\n"
            "    full_resolution_minutes: {column: s, unit: Seconds, decimal: point}\n",
        )
    )
    assert mapping["subscriptions"]["columns"]["monthly_amount"] == "cents"
    assert mapping["subscriptions"]["conversions"]["monthly_amount"] == {
        "multiplier": 1, "divisor": 1, "minor_units": True, "decimal": "point"
    }
    conversions = mapping["tickets"]["conversions"]
    hours, seconds = conversions["first_reply_minutes"], conversions["full_resolution_minutes"]
    assert hours == {"multiplier": 60, "divisor": 1, "minor_units": False, "decimal": "comma"}
    assert seconds == {"multiplier": 1, "divisor": 60, "minor_units": False, "decimal": "point"}


@pytest.mark.parametrize(
    ("tickets_reply", "message"),
    [
        ("{column: h, unit: fortnights}", r"tickets.columns.first_reply_minutes.unit: unknown unit 'fortnights'; "
         r"write one of minutes, hours, days, seconds"),
        ("{column: h, minor_units: true}", r"tickets.columns.first_reply_minutes.minor_units: .* is not money"),
        ("{column: h, decimal: semicolon}", r"tickets.columns.first_reply_minutes.decimal: 'semicolon' is not"),
        ("{unit: hours}", r"tickets.columns.first_reply_minutes needs 'column:'"),
        ("{column: h, scale: 2}", r"tickets.columns.first_reply_minutes has unknown option scale"),
    ],
)
def test_a_bad_unit_names_the_mapping_key(tmp_path, tickets_reply, message):
    write_mapping(
        tmp_path,
        "tickets:\n  columns:\n    ticket_id: t\n    account_id: c\n    created_at: o\n"
        f"    first_reply_minutes: {tickets_reply}\n",
    )
    with pytest.raises(MappingError, match=r"mapping.yml: " + message):
        read_mapping(tmp_path)


def test_a_unit_on_a_role_that_is_not_a_duration_is_refused(tmp_path):
    write_mapping(tmp_path, "accounts:\n  columns:\n    account_id: {column: id, unit: hours}\n")
    with pytest.raises(MappingError, match=r"accounts.columns.account_id.unit: account_id is not a duration"):
        read_mapping(tmp_path)
    write_mapping(tmp_path, "accounts:\n  columns:\n    account_id: {column: id, decimal: comma}\n")
    with pytest.raises(MappingError, match=r"accounts.columns.account_id is not a number; unit, minor_units and"):
        read_mapping(tmp_path)


def test_events_by_subscription_with_a_constant_name(tmp_path):
    events = "events:\n  constants:\n    event: Logged In\n  columns:\n    subscription_id: sub\n    timestamp: at\n"
    subscriptions = "subscriptions:\n  columns:\n    account_id: c\n    start: s\n    monthly_amount: m\n"
    write_mapping(tmp_path, events + subscriptions)
    # the join needs the subscriptions column the events' key matches
    with pytest.raises(MappingError, match=r"events.columns.subscription_id joins events to subscriptions, but "
                       r"subscriptions.columns maps no subscription_id"):
        read_mapping(tmp_path)
    mapping = read_mapping(write_mapping(tmp_path, events + subscriptions + "    subscription_id: sid\n"))
    assert mapping["events"]["columns"] == {"subscription_id": "sub", "timestamp": "at"}
    assert mapping["events"]["constants"] == {"event": "Logged In"}
    # neither an account nor a subscription: the message says either will do
    write_mapping(tmp_path, "events:\n  columns:\n    event: e\n    timestamp: at\n")
    with pytest.raises(MappingError, match=r"events.columns lacks required role account_id \(or subscription_id\)"):
        read_mapping(tmp_path)


def test_the_vars_block_and_var_options(tmp_path, monkeypatch):
    from dagster_project.cli import build_parser
    from dagster_project.transform import dbt_vars

    monkeypatch.setenv(dbt_vars.DBT_VARS_ENV, "{}")  # restored after the test
    write_mapping(tmp_path, "vars:\n  mrr_month_membership: any_overlap\n  segment_smb_max_employees: 20\n")
    assert read_mapping(tmp_path) == {}
    assert dbt_vars.effective_vars(tmp_path) == {"mrr_month_membership": "any_overlap", "segment_smb_max_employees": 20}
    # --var wins over mapping.yml; a value is JSON when it reads as JSON, else text
    args = build_parser().parse_args(
        ["build", "--var", "mrr_month_membership=end_of_month", "--var", "segment_smb_max_employees=30"]
    )
    given = dict(dbt_vars.parse_var_option(option) for option in args.var)
    assert given == {"mrr_month_membership": "end_of_month", "segment_smb_max_employees": 30}
    monkeypatch.setenv(dbt_vars.DBT_VARS_ENV, '{"mrr_month_membership": "end_of_month"}')
    assert dbt_vars.effective_vars(tmp_path)["mrr_month_membership"] == "end_of_month"
    assert dbt_vars.dbt_cli_args(tmp_path) == [
        "--vars", '{"mrr_month_membership": "end_of_month", "segment_smb_max_employees": 20}'
    ]
    with pytest.raises(ValueError, match=r"--var 'mrr_month_membership': write --var NAME=VALUE"):
        dbt_vars.parse_var_option("mrr_month_membership")
    monkeypatch.setenv(dbt_vars.DBT_VARS_ENV, '{"mrr_month_membersihp": "any_overlap"}')
    with pytest.raises(ValueError, match=r"unknown dbt var mrr_month_membersihp; the vars are declared in dbt/"):
        dbt_vars.effective_vars(tmp_path)


def test_var_options_are_recorded_and_pinned_for_dbt(tmp_path, monkeypatch, capsys):
    from types import SimpleNamespace

    from dagster_project import cli
    from dagster_project.transform import dbt_vars

    monkeypatch.setenv(dbt_vars.DBT_VARS_ENV, "{}")  # restored after the test
    write_mapping(tmp_path, "vars:\n  mrr_month_membership: any_overlap\n  reporting_currency: eur\n")
    build_vars = cli._resolve_dbt_vars(tmp_path, ["reporting_currency=usd"])
    assert build_vars == {"mrr_month_membership": "any_overlap", "reporting_currency": "usd"}
    assert os.environ[dbt_vars.DBT_VARS_ENV] == '{"reporting_currency": "usd"}'
    result = SimpleNamespace(success=True, seconds=1.0, phase_seconds={})
    cli._write_build_timings(tmp_path / "w.duckdb", result, build_vars)
    assert json.loads((tmp_path / "last_build.json").read_text())["dbt_vars"] == build_vars
    assert cli._resolve_dbt_vars(tmp_path, ["no_such_var=1"]) is None
    assert "unknown dbt var no_such_var" in capsys.readouterr().err


def example_mrr(warehouse: Path, account_id: str) -> list[tuple[date, float, str]]:
    rows = query(
        warehouse,
        "select month, mrr, movement from marts.fct_mrr_account_month where account_id = ? order by month",
        [account_id],
    )
    return [(month, float(mrr), movement) for month, mrr, movement in rows]


def test_example_minor_units_and_the_any_overlap_var_in_mrr(generic_example_warehouse):
    # as_of: the latest activity is the event of 2024-05-20, so the months run to May 2024.
    # mapping.yml sets vars: mrr_month_membership: any_overlap, so a period counts in every month it
    # touches. C-1: [01-05, 03-20) at 4900 cents = 49.00 touches Jan, Feb, Mar (end_of_month would
    # stop at Feb: 03-20 is before March's end).
    assert example_mrr(generic_example_warehouse, "C-1") == [
        (date(2024, 1, 1), 49.0, "new"),
        (date(2024, 2, 1), 49.0, "unchanged"),
        (date(2024, 3, 1), 49.0, "unchanged"),
        (date(2024, 4, 1), 0.0, "churn"),
        (date(2024, 5, 1), 0.0, "inactive"),
    ]
    # C-3: [02-01, 04-01) at 1,000,000 cents = 10,000.00, then from 04-01 at 1,250,050 cents = 12,500.50;
    # the first period ends at April's first instant, so it does not touch April.
    assert example_mrr(generic_example_warehouse, "C-3") == [
        (date(2024, 2, 1), 10000.0, "new"),
        (date(2024, 3, 1), 10000.0, "unchanged"),
        (date(2024, 4, 1), 12500.5, "expansion"),
        (date(2024, 5, 1), 12500.5, "unchanged"),
    ]
    # ending MRR = C-1 49 + C-2 1,299 (129,900 cents from 01-15, open) + C-3
    ending = query(generic_example_warehouse, "select month, ending_mrr from marts.mart_mrr_monthly order by month")
    assert [(month, float(mrr)) for month, mrr in ending] == [
        (date(2024, 1, 1), 1348.0),
        (date(2024, 2, 1), 11348.0),
        (date(2024, 3, 1), 11348.0),
        (date(2024, 4, 1), 13799.5),
        (date(2024, 5, 1), 13799.5),
    ]


def test_example_durations_in_hours_and_seconds_with_decimal_commas(generic_example_warehouse):
    # tickets.csv: first reply "1,5" hours = 90 minutes, "0,25" hours = 15; resolution 7200 s = 120
    # minutes, 86400 s = 1440
    rows = query(
        generic_example_warehouse,
        "select ticket_id, account_id, first_reply_minutes, full_resolution_minutes "
        "from marts.fct_support_tickets order by ticket_id",
    )
    assert [(ticket, account, float(reply), float(resolution)) for ticket, account, reply, resolution in rows] == [
        ("T-1", "C-1", 90.0, 120.0),
        ("T-2", "C-2", 15.0, 1440.0),
    ]


def test_example_events_reach_their_account_through_the_subscription(generic_example_warehouse):
    # events.csv has sub_ref and no event name: S-10 → C-1, S-20 → C-2 (twice), S-31 → C-3; every row
    # is the constant Logged In. S-99 is in no subscription: kept without an account, and listed.
    events = query(
        generic_example_warehouse,
        "select account_id, event_name, match_method, count(*) from intermediate.int_product_events "
        "group by all order by 1 nulls last",
    )
    assert events == [
        ("C-1", "Logged In", "generic_subscription", 1),
        ("C-2", "Logged In", "generic_subscription", 2),
        ("C-3", "Logged In", "generic_subscription", 1),
        (None, "Logged In", None, 1),
    ]
    unmatched = query(
        generic_example_warehouse,
        "select source, reason, outcome from marts.mart_unmatched_records order by source, reason",
    )
    assert unmatched == [
        ("generic_churn_event", "account not in accounts.csv or subscriptions.csv", "kept, counted as segment unknown"),
        ("generic_churn_event", "churned_at empty is not a date", "kept, not counted in mart_churn_reasons"),
        ("generic_event", "subscription id not in subscriptions.csv", "kept, no account"),
    ]


def test_example_churn_reasons_by_segment_and_path(generic_example_warehouse):
    # churn_events.csv: C-1 (12 employees: smb) 2024-03-20 "Too expensive", refund "49,00", no;
    # C-3 (5000: enterprise) 2024-03-28 "too  Expensive" (the same reason), refund "1.234,56",
    # came back 2024-04-01; C-9 (no such account) 2024-04-15, no reason; C-2 without a date (not
    # counted). C-1 and C-3 became customers with nothing else known: journey path self_serve.
    rows = query(
        generic_example_warehouse,
        "select month, reason, segment, journey_path, churn_events, churned_accounts, refunded_accounts, "
        "refund_amount, reactivated_accounts, reactivation_rate from marts.mart_churn_reasons order by 1, 3",
    )
    assert [(*row[:7], float(row[7]), row[8], row[9]) for row in rows] == [
        (date(2024, 3, 1), "too expensive", "enterprise", "self_serve", 1, 1, 1, 1234.56, 1, 1.0),
        (date(2024, 3, 1), "too expensive", "smb", "self_serve", 1, 1, 1, 49.0, 0, 0.0),
        (date(2024, 4, 1), "unspecified", "unknown", "unknown", 1, 1, 0, 0.0, 0, 0.0),
    ]
