"""The quality gate in the Dagster build: wired as blocking checks, accounting for every row, stopping
dbt on a critical failure (the previous marts stay), reporting warnings without blocking, readable
as an HTML page per run, and every mart invariant caught when a mart value is broken.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project.ingest.catalog import RAW_TABLES
from dagster_project.quality.checks import ERROR_CHECK, WARN_CHECK
from dagster_project.quality.ledger import LEDGER_KEY, ROWS_ACCOUNTED
from dagster_project.quality.suites import load_suites, validate
from tests.conftest import MINI_EXPORTS, build

SUITES = {suite.path.stem if suite.kind == "raw" else f"marts/{suite.path.stem}": suite for suite in load_suites()}


def _data_rows(path: Path) -> int:
    """Rows in an export file, counted independently of the loader (csv module / lines)."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return sum(1 for _ in csv.reader(handle)) - 1
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def test_every_suite_is_a_blocking_check_on_its_asset():
    from dagster_project.definitions import defs

    graph = defs.resolve_asset_graph()
    for raw_table in RAW_TABLES:
        key = dg.AssetKey(["raw", raw_table.name])
        error = graph.get_check_spec(dg.AssetCheckKey(key, ERROR_CHECK))
        warn = graph.get_check_spec(dg.AssetCheckKey(key, WARN_CHECK))
        assert error.blocking and not warn.blocking
    assert graph.get_check_spec(dg.AssetCheckKey(LEDGER_KEY, ROWS_ACCOUNTED)).blocking
    mart_checks = {
        check_key.asset_key.path[-1] for check_key in graph.asset_check_keys if check_key.name == ERROR_CHECK
    }
    for suite in SUITES.values():
        if suite.kind == "mart":
            assert suite.target[0] in mart_checks, f"{suite.path.name} is not wired"


def test_a_clean_build_accounts_for_every_row_of_every_file(mini_warehouse):
    files = sorted(path for path in MINI_EXPORTS.rglob("*") if path.is_file())
    with duckdb.connect(str(mini_warehouse), read_only=True) as con:
        audit = {
            row[0]: row[1:]
            for row in con.execute(
                "select source_file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicated, is_balanced "
                "from marts.mart_load_audit"
            ).fetchall()
        }
    assert sorted(audit) == [path.relative_to(MINI_EXPORTS).as_posix() for path in files]
    for path in files:
        rows = _data_rows(path)
        assert audit[path.relative_to(MINI_EXPORTS).as_posix()] == ("loaded", rows, rows, 0, 0, True)


def test_the_run_report_shows_every_suite_and_warnings_did_not_block(mini_warehouse):
    quality = mini_warehouse.parent / "quality"
    page = (quality / "latest.html").read_text(encoding="utf-8")
    for suite in SUITES.values():
        assert suite.name in page, f"{suite.name} missing from the report"
    run = max((quality / "runs").iterdir(), key=lambda path: path.stat().st_mtime)
    contacts = json.loads((run / "raw.hubspot_contacts.json").read_text(encoding="utf-8"))
    orphan = next(item for item in contacts["outcomes"] if item["name"] == "contact_companies_exist")
    # The mini contacts name company 999, which the companies export lacks: warned, named, not blocking.
    assert (orphan["success"], orphan["severity"], orphan["unexpected_count"]) == (False, "warning", 1)
    assert "company 999" in orphan["examples"][0] and "company 999" in page
    with duckdb.connect(str(mini_warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.mart_mrr_monthly").fetchall()[0][0] > 0


def test_a_critical_failure_stops_dbt_and_the_previous_marts_stay(mini_warehouse, tmp_path):
    warehouse = tmp_path / "warehouse" / "journey.duckdb"
    warehouse.parent.mkdir()
    shutil.copyfile(mini_warehouse, warehouse)
    exports = tmp_path / "exports"
    shutil.copytree(MINI_EXPORTS, exports)
    refund = {"id": "in_refund", "customer": "cus_A", "status": "refunded", "created": 1717200000,
              "currency": "usd", "lines": {"data": []}}  # fmt: skip
    (exports / "billing" / "stripe_invoices_refunds.jsonl").write_text(json.dumps(refund) + "\n", encoding="utf-8")
    marts_before = _marts(warehouse)

    result = build(exports, warehouse)

    assert not result.success
    blocking = [check for check in result.failed_checks if check.startswith(f"raw/stripe_invoices · {ERROR_CHECK}")]
    assert blocking and "refunded" in blocking[0] and "status" in blocking[0], result.failed_checks
    assert _marts(warehouse) == marts_before, "the previous marts stay in place"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # Ingest ran (the file is in raw and the ledger) but dbt did not (the audit mart never saw it).
        assert con.execute(
            "select count(*) from raw.stripe_invoices where _source_file = 'billing/stripe_invoices_refunds.jsonl'"
        ).fetchall() == [(1,)]
        assert con.execute(
            "select count(*) from marts.mart_load_audit where source_file = 'billing/stripe_invoices_refunds.jsonl'"
        ).fetchall() == [(0,)]
    page = (warehouse.parent / "quality" / "latest.html").read_text(encoding="utf-8")
    assert "blocked: a critical expectation failed" in page and "refunded" in page


def _marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        marts = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {mart: sorted(map(repr, con.execute(f"select * from marts.{mart}").fetchall())) for mart in marts}


# -- every mart invariant fails when one mart value is broken ---------------------------------
FIRST = "rowid = (select min(rowid) from marts.{table})"
BROKEN_MARTS = [
    pytest.param(
        "marts/mrr_monthly",
        "update marts.mart_mrr_monthly set ending_mrr = ending_mrr + 1 where " + FIRST.format(table="mart_mrr_monthly"),
        'expect_column_values_to_be_between("_bridge_gap")',
        id="mrr-bridge-off-by-a-dollar",
    ),
    pytest.param(
        "marts/mrr_monthly",
        "insert into marts.mart_mrr_monthly select * replace (cast(month + interval 30 year as date) as month) "
        "from marts.mart_mrr_monthly where " + FIRST.format(table="mart_mrr_monthly"),
        'expect_column_values_to_be_in_set("_is_after_as_of")',
        id="mrr-month-in-the-future",
    ),
    pytest.param(
        "marts/mrr_account_month",
        "update marts.fct_mrr_account_month set movement = 'expansion' where rowid = "
        "(select min(rowid) from marts.fct_mrr_account_month where movement = 'new')",
        'expect_column_values_to_be_in_set("_movement_as_defined")',
        id="movement-not-as-defined",
    ),
    pytest.param(
        "marts/mrr_account_month",
        "update marts.fct_mrr_account_month set mrr = mrr + 5, movement_mrr = movement_mrr + 5 where rowid = "
        "(select min(rowid) from marts.fct_mrr_account_month where movement = 'new')",
        "account_months_sum_to_the_bridge",
        id="accounts-do-not-sum-to-the-bridge",
    ),
    pytest.param(
        "marts/cohort_retention",
        "update marts.mart_cohort_retention set gross_revenue_retention = 1.2 where "
        + FIRST.format(table="mart_cohort_retention"),
        'expect_column_values_to_be_between("gross_revenue_retention")',
        id="grr-above-one",
    ),
    pytest.param(
        "marts/nps",
        "update marts.mart_nps set nps = 120 where " + FIRST.format(table="mart_nps"),
        'expect_column_values_to_be_between("nps")',
        id="nps-above-100",
    ),
    pytest.param(
        "marts/nps",
        "insert into marts.mart_nps select * from marts.mart_nps where " + FIRST.format(table="mart_nps"),
        'expect_compound_columns_to_be_unique(["month", "dimension", "dimension_value"])',
        id="nps-grain-twice",
    ),
    pytest.param(
        "marts/lifecycle_funnel",
        "update marts.mart_lifecycle_funnel set accounts_reached = accounts_reached + 1000 where rowid = "
        "(select min(rowid) from marts.mart_lifecycle_funnel where stage_order > 0)",
        'expect_column_values_to_be_in_set("_more_than_previous_rung")',
        id="funnel-not-monotone",
    ),
    pytest.param(
        "marts/lifecycle_stages",
        "update marts.fct_lifecycle_stages set entered_at = entered_at - interval 3650 day where rowid = "
        "(select min(rowid) from marts.fct_lifecycle_stages where stage_order > 0)",
        'expect_column_values_to_be_in_set("_entered_before_an_earlier_rung")',
        id="stage-entered-before-an-earlier-rung",
    ),
    pytest.param(
        "marts/load_audit",
        "update marts.mart_load_audit set rows_loaded = rows_loaded - 1 where " + FIRST.format(table="mart_load_audit"),
        'expect_column_values_to_be_between("_unaccounted_rows")',
        id="a-row-unaccounted",
    ),
]


@pytest.fixture(scope="module")
def broken_copy(mini_warehouse, tmp_path_factory):
    path = tmp_path_factory.mktemp("broken_marts") / "journey.duckdb"
    shutil.copyfile(mini_warehouse, path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


@pytest.mark.parametrize(("suite_id", "breakage", "expected"), BROKEN_MARTS)
def test_a_broken_mart_value_fails_its_invariant(broken_copy, suite_id, breakage, expected):
    suite = SUITES[suite_id]
    clean = validate(broken_copy, suite)
    assert not clean.failed("critical"), f"the clean mart passes: {[item.summary for item in clean.failed('critical')]}"
    broken_copy.execute("begin transaction")
    try:
        broken_copy.execute(breakage)
        dirty = validate(broken_copy, suite)
    finally:
        broken_copy.execute("rollback")
    assert expected in [outcome.name for outcome in dirty.failed("critical")], [item.summary for item in dirty.outcomes]
