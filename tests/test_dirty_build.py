"""`journey build` on `journey generate --dirty` output: every injected fault caught, reported and
counted; every clean row arrives.

A small dirty business is generated (its manifest.json lists each injected fault with file and row)
and built through Dagster. Each fault class must end up where docs/quality.md says: duplicates in the
ledger's counts, truncated lines in the quarantine, bad dates, unknown stages, missing e-mails and
orphan references among the failing rows of a warning check (named by file and row), byte-order marks
in the ledger. Row counts per file are worked out from the files themselves.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from dagster_project.quality.checks import ERROR_CHECK, WARN_CHECK
from dagster_project.quality.suites import load_suites, validate
from tests.conftest import build

pytestmark = pytest.mark.slow

ACCOUNTS = 40
SEED = 5
# Which warning expectation reports a cell-level fault, by fault class and column.
WARNED_BY = {
    ("unparseable_date", "Create Date"): 'expect_column_values_to_not_be_null("_create_date_at")',
    ("unparseable_date", "responded_at"): 'expect_column_values_to_not_be_null("_responded_at")',
    ("unparseable_date", "Created at"): 'expect_column_values_to_not_be_null("_created_at")',
    ("locale_date", "Create Date"): 'expect_column_values_to_not_be_null("_create_date_at")',
    ("unknown_stage", "Lifecycle Stage"): 'expect_column_values_to_be_in_set("Lifecycle Stage")',
    ("missing_email", "Email"): 'expect_column_values_to_not_be_null("Email")',
    ("missing_email", "email"): 'expect_column_values_to_not_be_null("email")',
    ("orphan_reference", "customer"): "invoice_customers_exist",
    ("orphan_reference", "organization_id"): "ticket_organizations_exist",
}
QUARANTINED = {"truncated_last_line"}


@pytest.fixture(scope="module")
def dirty_build(tmp_path_factory):
    from journey_generator import generate

    root = tmp_path_factory.mktemp("dirty")
    exports = root / "exports"
    generate(accounts=ACCOUNTS, seed=SEED, out=exports, dirty=True)
    manifest = json.loads((exports / "manifest.json").read_text(encoding="utf-8"))
    warehouse = root / "warehouse" / "journey.duckdb"
    result = build(exports, warehouse)
    return exports, warehouse, manifest, result


@pytest.fixture(scope="module")
def outcomes(dirty_build):
    """Every suite's outcomes on the dirty warehouse, listing every failing row (not just examples)."""
    _, warehouse, _, _ = dirty_build
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            suite.target[1]: {outcome.name: outcome for outcome in validate(con, suite, examples=None).outcomes}
            for suite in load_suites(kind="raw")
        }


def _table_of(source_file: str) -> str:
    from dagster_project.ingest.catalog import table_for_file

    raw_table = table_for_file(source_file)
    assert raw_table is not None, source_file
    return raw_table.name


def _records(path: Path) -> list[str]:
    """The records of an export file as the tool wrote them (CSV rows, JSON lines), header excluded."""
    if path.suffix == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return ["\x1f".join(row) for row in csv.reader(handle)][1:]
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def test_the_dirty_build_is_not_blocked_and_reports_its_warnings(dirty_build):
    _, _, manifest, result = dirty_build
    assert result.success, f"{result.failed_steps} {result.failed_checks}"
    assert not [check for check in result.failed_checks if f"· {ERROR_CHECK}" in check]
    warned_tables = {check.split(" · ")[0] for check in result.failed_checks if f"· {WARN_CHECK}" in check}
    for fault in manifest:
        if (fault["fault"], fault.get("column")) in WARNED_BY:
            assert f"raw/{_table_of(fault['file'])}" in warned_tables, fault


def test_every_injected_fault_is_caught_and_counted(dirty_build, outcomes):
    _, warehouse, manifest, _ = dirty_build
    assert {fault["fault"] for fault in manifest} == {
        "duplicate_row", "duplicate_file", "unparseable_date", "locale_date", "unknown_stage",
        "missing_email", "orphan_reference", "bom", "truncated_last_line",
    }  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ledger = {
            (row[0], row[1]): row[2:]
            for row in con.execute(
                "select source_file, status, rows_duplicated, encoding, message from raw._ingest_files"
            ).fetchall()
        }
        quarantine = {
            (row[0], row[1]): row[2]
            for row in con.execute("select source_file, row_number, rule from raw._quarantine").fetchall()
        }
        unmatched = {row[0] for row in con.execute("select record_id from marts.mart_unmatched_records").fetchall()}

    duplicates = Counter(fault["file"] for fault in manifest if fault["fault"] == "duplicate_row")
    for source_file, count in duplicates.items():
        assert ledger[(source_file, "loaded")][0] == count, f"{source_file}: duplicate rows counted"
    for fault in manifest:
        kind, source_file = fault["fault"], fault["file"]
        if kind == "duplicate_file":
            status = ledger[(source_file, "duplicate_file")]
            assert f"same content as {fault['original']}" in status[2]
        elif kind == "bom":
            assert ledger[(source_file, "loaded")][1] == "utf-8-bom"
        elif kind in QUARANTINED:
            assert quarantine.get((source_file, fault["row"])) in ("invalid_json", "unparseable_row"), fault
        elif kind != "duplicate_row":
            outcome = outcomes[_table_of(source_file)][WARNED_BY[(kind, fault["column"])]]
            assert not outcome.success and outcome.severity == "warning"
            if outcome.name.endswith("_exist"):  # SQL checks name the row in their examples
                assert any(f"{source_file} row {fault['row']}:" in example for example in outcome.examples), fault
            else:
                rows = {(example["_source_file"], example["_row_number"]) for example in outcome.examples}
                assert (source_file, fault["row"]) in rows, fault
            if kind == "orphan_reference" and fault["column"] == "customer":
                assert fault["value"] in unmatched, "an orphan invoice's customer is kept as an unmatched account"


def test_every_clean_row_arrives(dirty_build):
    exports, warehouse, manifest, _ = dirty_build
    quarantined = Counter(fault["file"] for fault in manifest if fault["fault"] in QUARANTINED)
    copies = {fault["file"] for fault in manifest if fault["fault"] == "duplicate_file"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ledger = {
            row[0]: row[1:]
            for row in con.execute(
                "select source_file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicated "
                "from raw._ingest_files"
            ).fetchall()
        }
        for path in sorted(exports.rglob("*")):
            source_file = path.relative_to(exports).as_posix()
            if not path.is_file() or source_file == "manifest.json":
                continue
            if source_file in copies:
                assert ledger[source_file][0] == "duplicate_file"
                continue
            records = _records(path)
            exact_copies = len(records) - len(set(records))
            status, read, loaded, held, duplicated = ledger[source_file]
            assert status == "loaded"
            assert (read, held, duplicated) == (len(records), quarantined[source_file], exact_copies), source_file
            assert loaded == len(records) - quarantined[source_file] - exact_copies, source_file
        # Every company of the export reaches staging, faulty dates and stages included.
        with (exports / "crm" / "hubspot_companies.csv").open(encoding="utf-8-sig", newline="") as handle:
            company_ids = {row["Record ID"] for row in csv.DictReader(handle)}
        staged = {row[0] for row in con.execute("select crm_company_id from staging.stg_hubspot__companies").fetchall()}
        assert company_ids == staged
