"""The bad-input corpus (tests/bad_inputs/): every case gets exactly the outcome cases.yml gives it.

Each case folder is loaded into an empty warehouse by the ingest loader; the ledger, the quarantine
and the raw values are compared with the case's entry, then the expectation suites of the tables the
case feeds run on the warehouse and exactly the listed expectations must fail, at the listed
severity. No Dagster, no dbt: the corpus runs in seconds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_project.ingest.loader import load_exports
from dagster_project.quality.suites import load_suites, validate

BAD_INPUTS = Path(__file__).resolve().parent / "bad_inputs"
CASES: dict[str, dict] = yaml.safe_load((BAD_INPUTS / "cases.yml").read_text(encoding="utf-8"))["cases"]
TEN_MB = "x" * 10_000_000

# The faults the issue names, and the case that covers each.
REQUIRED_FAULTS = {
    "wrong headers": "wrong_headers",
    "reordered and extra columns": "reordered_extra_columns",
    "empty file": "empty_file",
    "header only": "header_only",
    "truncated line": "truncated_jsonl_line",
    "wrong encoding": "wrong_encoding",
    "BOM": "byte_order_mark",
    "mixed date formats": "mixed_date_formats",
    "duplicated rows": "duplicated_rows",
    "a re-dropped file": "redropped_file",
    "negative amounts": "negative_amount",
    "absurd amounts": "absurd_amount",
    "NPS 11": "nps_out_of_range",
    "unknown stage": "unknown_stage",
    "orphan ids": "orphan_ids",
    "a 10 MB single field": "ten_mb_field",
    "quotes and newlines inside fields": "quotes_and_newlines",
    "a file name with spaces and quotes": "file_name_spaces_quotes",
    "SQL-looking text in every field": "sql_text_everywhere",
    "a file name with glob characters": "glob_characters_in_names",
    "files that are not read (no pattern, workbook, backup, subfolder, folder named like a file, broken link)": (
        "unread_files"
    ),
    "a capitalised folder and an export recognised by its header": "folder_case_and_header",
    "a symlinked source folder": "symlinked_folder",
    "the same row in two files": "cross_file_duplicate",
    "an unclosed quote before good rows": "unclosed_quote",
}


@pytest.fixture(scope="module")
def raw_suites():
    return {suite.target[1]: suite for suite in load_suites(kind="raw")}


def _exports_for(name: str, tmp_path: Path) -> Path:
    exports = tmp_path / "exports"
    shutil.copytree(BAD_INPUTS / name, exports)
    template = CASES[name].get("template")
    if template:
        path = exports / template
        path.with_suffix("").write_text(path.read_text(encoding="utf-8").replace("{TEN_MB}", TEN_MB), "utf-8")
        path.unlink()
    # Symbolic links made at test time (git on some systems cannot hold them): link → target, the
    # target relative to tests/bad_inputs/ (it may not exist: a broken link).
    for link, target in CASES[name].get("links", {}).items():
        (exports / link).parent.mkdir(parents=True, exist_ok=True)
        (exports / link).symlink_to(BAD_INPUTS / target)
    return exports


def _load(exports: Path, warehouse: Path) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    con = duckdb.connect(str(warehouse))
    _, results = load_exports(con, exports)
    return con, sorted(results)


def _entries(exports: Path) -> set[str]:
    """Every file under the exports folder as ingest sees it: links followed, broken links included."""
    found = set()
    for folder, _, filenames in os.walk(exports, followlinks=True):
        found |= {(Path(folder) / name).relative_to(exports).as_posix() for name in filenames}
    return found


def test_corpus_covers_every_fault_the_issue_names():
    case_files = [path for path in BAD_INPUTS.rglob("*") if path.is_file() and path.name != "cases.yml"]
    assert len(case_files) >= 20
    missing = {fault: case for fault, case in REQUIRED_FAULTS.items() if case not in CASES}
    assert not missing, f"no corpus case for {missing}"
    on_disk = {path.name for path in BAD_INPUTS.iterdir() if path.is_dir()}
    assert on_disk == set(CASES), "every case folder has an entry in cases.yml and vice versa"


@pytest.mark.parametrize("name", sorted(CASES))
def test_case_gets_its_outcome(name, tmp_path, raw_suites):
    case = CASES[name]
    exports = _exports_for(name, tmp_path)
    con, touched = _load(exports, tmp_path / "journey.duckdb")

    # The ledger: every file of the case, with its outcome and counts.
    fields = ("status", "read", "loaded", "quarantined", "duplicated", "encoding", "message")
    ledger = {
        row[0]: dict(zip(fields, row[1:], strict=True))
        for row in con.execute(
            "select source_file, status, rows_read, rows_loaded, rows_quarantined, rows_duplicated, encoding, "
            "coalesce(message, '') from raw._ingest_files where status <> 'no_files'"
        ).fetchall()
    }
    files = _entries(exports)
    assert files <= set(ledger), f"{name}: every file is in the ledger"
    assert set(ledger) - files <= set(case["files"]), f"{name}: the ledger lists only files (or folders named like one)"
    if "no_files" in case:
        empty = con.execute("select table_name from raw._ingest_files where status = 'no_files' order by all")
        assert [row[0] for row in empty.fetchall()] == sorted(case["no_files"]), f"{name}: folders without files"
    assert set(case["files"]) <= set(ledger), f"{name}: cases.yml names files of the case"
    for helper in files - set(case["files"]):  # clean companions (a customers export for orphans, ...)
        assert ledger[helper]["status"] == "loaded" and ledger[helper]["read"] == ledger[helper]["loaded"]
    for source_file, expected in case["files"].items():
        actual = ledger[source_file]
        assert actual["status"] == expected["status"], f"{name} · {source_file}: {actual['message']}"
        for count in ("read", "loaded", "quarantined", "duplicated"):
            assert actual[count] == expected.get(count, 0), f"{name} · {source_file}: rows {count}"
        assert actual["read"] == actual["loaded"] + actual["quarantined"] + actual["duplicated"]
        for fragment in expected.get("message", []):
            assert fragment in actual["message"], f"{name} · {source_file}: message {actual['message']!r}"
        if "encoding" in expected:
            assert actual["encoding"] == expected["encoding"]
        if actual["status"] == "rejected":
            rows = con.execute(
                f"select count(*) from raw.{table_name(source_file)} where _source_file = ?", [source_file]
            ).fetchall()[0][0]
            assert rows == 0, "nothing of a rejected file is loaded"

    # The quarantine: exactly the listed rows, each with its rule and a reason naming the problem.
    quarantined = con.execute(
        "select source_file, row_number, rule, reason, raw_text from raw._quarantine order by all"
    ).fetchall()
    expected_rows = case.get("quarantine", [])
    assert [(row[0], row[1], row[2]) for row in quarantined] == sorted(
        (item["file"], item["row"], item["rule"]) for item in expected_rows
    ), f"{name}: quarantined rows"
    expected_rows = sorted(expected_rows, key=lambda item: (item["file"], item["row"]))
    for row, item in zip(quarantined, expected_rows, strict=True):
        assert item["reason"] in row[3], f"{name}: reason {row[3]!r}"
        assert row[4], "the raw text of a quarantined row is kept"

    # Raw values arrive exactly as written.
    for check in case.get("values", []):
        column = '"' + check["column"].replace('"', '""') + '"'
        values = [
            row[0] for row in con.execute(f"select {column} from raw.{check['table']} order by _row_number").fetchall()
        ]
        if "expected" in check:
            assert values == check["expected"], f"{name}: {check['column']}"
        if "lengths" in check:
            assert [len(value) for value in values] == check["lengths"]

    # The expectation suites of the touched tables: exactly the listed failures.
    if "failing" in case:
        failures: dict[str, dict[str, int]] = {"critical": {}, "warning": {}}
        for raw_table in touched:
            result = validate(con, raw_suites[raw_table])
            assert result.error is None, result.error
            for outcome in result.outcomes:
                assert outcome.error is None, f"{name}: {outcome.name} could not run: {outcome.error}"
                if not outcome.success and outcome.severity in failures:
                    failures[outcome.severity][outcome.name] = outcome.unexpected_count
        for severity in ("critical", "warning"):
            assert sorted(failures[severity]) == sorted(case["failing"][severity]), f"{name}: {severity}"
        for outcome_name, count in case.get("unexpected", {}).items():
            found = failures["critical"].get(outcome_name, failures["warning"].get(outcome_name))
            assert found == count, f"{name}: {outcome_name} failing rows"
    else:
        failures = {"critical": {}}

    blocked = any(item["status"] == "rejected" for item in ledger.values()) or bool(failures["critical"])
    assert blocked == case["blocks"], f"{name}: blocks the build"
    con.close()


def table_name(source_file: str) -> str:
    from dagster_project.ingest.catalog import table_for_file

    raw_table = table_for_file(source_file)
    assert raw_table is not None
    return raw_table.name
