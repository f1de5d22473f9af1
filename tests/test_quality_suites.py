"""The expectation suites in expectations/: well-formed, complete, every expectation able to fail, and
judged at a cost that grows with what is new (unchanged files are not read again; a failing file
keeps failing; large files are read in bounded chunks whose outcomes merge to the whole file's).

For every expectation of every suite there is a clean fixture that passes and a dirty one that
fails: the clean fixture is the rows the suite's own query returns on real data (the generated
business for raw tables, the hand-made mini business for marts) — minus any row that breaks that
expectation — and the dirty fixture is the same rows with one value broken the way the expectation
guards against (a null, a value outside the set or range, a duplicated key, a reversed pair, ...).
The SQL behind derived columns (the bridge gap, the funnel's previous rung, ...) is tested apart, on
a copy of a built warehouse with one mart value broken (tests/test_quality_gate.py).
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.ingest.catalog import RAW_TABLES, table
from dagster_project.ingest.loader import Loader, discover
from dagster_project.quality.suites import (
    SEVERITIES,
    Suite,
    SuiteResult,
    build_gx_suite,
    load_suites,
    prepare_connection,
    suite_hash,
    validate,
    validate_frame,
    validate_new_files,
)
from dagster_project.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR
from tests.conftest import FIXTURES, MINI_EXPORTS

SUITES = load_suites()
ROW_KEY = "_fixture_row"


def _suite_id(suite: Suite) -> str:
    return suite.path.stem if suite.kind == "raw" else f"marts/{suite.path.stem}"


def test_every_raw_table_has_one_suite_and_every_suite_a_target():
    raw_targets = sorted(suite.target[1] for suite in SUITES if suite.kind == "raw")
    assert raw_targets == sorted(raw_table.name for raw_table in RAW_TABLES)
    models = {path.stem for path in (DBT_PROJECT_DIR / "models").rglob("*.sql")}
    for suite in SUITES:
        if suite.kind == "mart":
            assert suite.target[0] in models, f"{suite.path.name}: no dbt model {suite.target[0]}"
    assert len({suite.name for suite in SUITES}) == len(SUITES)


@pytest.mark.parametrize("suite", SUITES, ids=_suite_id)
def test_suite_is_valid_gx_and_says_why(suite):
    build_gx_suite(suite)  # raises SuiteError naming the file if GX rejects an expectation
    document = json.loads(suite.path.read_text(encoding="utf-8"))
    for expectation in document["expectations"]:
        assert expectation.get("severity", "critical") in SEVERITIES
        assert expectation.get("meta", {}).get("why"), f"{suite.path.name}: {expectation['type']} needs meta.why"
    for check in document["meta"].get("sql_checks", []):
        assert check.get("description") and check.get("severity") in SEVERITIES


def test_currency_expectations_follow_the_currency_seed():
    with (DBT_PROJECT_DIR / "seeds" / "currencies.csv").open(encoding="utf-8") as handle:
        seeded = sorted(row["currency"] for row in csv.DictReader(handle))
    for path in sorted((EXPECTATIONS_DIR / "raw").glob("*.json")):
        for expectation in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            if "currency" in expectation["kwargs"].get("column", ""):
                assert sorted(expectation["kwargs"]["value_set"]) == seeded, f"{path.name}: currencies"


# -- clean and dirty fixtures for every expectation -------------------------------------------
@pytest.fixture(scope="module")
def raw_warehouse(generated_exports, tmp_path_factory) -> Path:
    """The generated business loaded by the ingest loader (no dbt needed for raw suites), plus the
    export shapes the generator does not write (the Stripe Dashboard, Intercom and Typeform CSV fixtures)."""
    path = tmp_path_factory.mktemp("raw_suites") / "loaded.duckdb"
    with duckdb.connect(str(path)) as con:
        loader = Loader(con, generated_exports)
        for name, files in discover(generated_exports).items():
            loader.load_table(table(name), files)
        for extra in (FIXTURES / "stripe_dashboard", FIXTURES / "intercom", FIXTURES / "typeform"):
            loader = Loader(con, extra)
            for name, files in discover(extra).items():
                if files:  # an empty list would take the generated business's rows of that table out
                    loader.load_table(table(name), files)
    return path


def _frame(warehouse: Path, suite: Suite) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        prepare_connection(con)
        frame = con.execute(suite.query).df()
    frame = frame.head(300).reset_index(drop=True)
    frame[ROW_KEY] = range(len(frame))
    return frame


def _failing_rows_by_expectation(frame: pd.DataFrame, suite: Suite) -> dict[int, list[int]]:
    """For each expectation the real rows break: the fixture rows that break it (one GX run)."""
    keyed = replace(suite, row_id=(ROW_KEY,))
    outcomes = validate_frame(frame, keyed, examples=None)
    failing = {}
    for index, outcome in enumerate(outcomes):
        if not outcome.success:
            failing[index] = [
                example[ROW_KEY] for example in outcome.examples if isinstance(example, dict) and ROW_KEY in example
            ]
    return failing


def _break(frame: pd.DataFrame, expectation: dict) -> pd.DataFrame:
    """The frame with one value broken the way ``expectation`` guards against."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    dirty = frame.copy()
    column = kwargs.get("column")
    if kind == "expect_column_to_exist":
        return dirty.drop(columns=[column])
    if kind in ("expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"):
        columns = kwargs.get("column_list") or [column]
        complete = dirty[columns].notna().all(axis=1)
        if not complete.any():
            for name in columns:
                dirty[name] = dirty[name].astype(object)
                dirty.loc[0, name] = "filled"
            complete = dirty.index == 0
        source = dirty[complete].iloc[[0]]
        return pd.concat([dirty, source], ignore_index=True)
    if kind in ("expect_column_pair_values_a_to_be_greater_than_b", "expect_column_pair_values_to_be_equal"):
        first, second = kwargs["column_A"], kwargs["column_B"]
        if kind == "expect_column_pair_values_to_be_equal":
            dirty[first] = dirty[first].astype(object)
            dirty.loc[0, first] = "__different__"
            if pd.isna(dirty.loc[0, second]):
                dirty[second] = dirty[second].astype(object)
                dirty.loc[0, second] = "something"
            return dirty
        if pd.isna(dirty[second]).all():
            dirty[second] = dirty[first] if not pd.isna(dirty[first]).all() else 1.0
        if pd.isna(dirty[first]).all():
            dirty[first] = dirty[second]
        row = dirty.index[dirty[[first, second]].notna().all(axis=1)][0]
        step = pd.Timedelta(days=1) if pd.api.types.is_datetime64_any_dtype(dirty[second]) else 1
        dirty.loc[row, first] = dirty.loc[row, second] - step
        return dirty
    if kind == "expect_column_values_to_not_be_null":
        dirty[column] = dirty[column].astype(object)
        dirty.loc[0, column] = None
        return dirty
    if kind == "expect_column_values_to_be_in_set":
        allowed = kwargs["value_set"]
        dirty[column] = dirty[column].astype(object)
        if allowed and all(isinstance(value, bool) for value in allowed):
            dirty.loc[0, column] = not allowed[0]
        else:
            dirty.loc[0, column] = "__not_in_the_set__"
        return dirty
    if kind == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        value = high + 1 if high is not None else low - 1
        dirty[column] = pd.to_numeric(dirty[column], errors="coerce").astype(float)
        dirty.loc[0, column] = value
        return dirty
    if kind == "expect_column_values_to_match_regex":
        dirty[column] = dirty[column].astype(object)
        dirty.loc[0, column] = "!! not matching !!"
        return dirty
    if kind == "expect_column_value_lengths_to_be_between":
        dirty[column] = dirty[column].astype(object)
        dirty.loc[0, column] = "x" * (int(kwargs["max_value"]) + 1)
        return dirty
    raise AssertionError(f"no dirty fixture for {kind}: add one to _break")


def _cases():
    for suite in SUITES:
        for index, expectation in enumerate(suite.expectations):
            column = (
                expectation["kwargs"].get("column")
                or expectation["kwargs"].get("column_list")
                or [
                    expectation["kwargs"].get("column_A"),
                    expectation["kwargs"].get("column_B"),
                ]
            )
            yield pytest.param(suite, index, id=f"{_suite_id(suite)}-{index}-{expectation['type']}-{column}")


@pytest.fixture(scope="module")
def fixtures_by_suite():
    return {}


@pytest.mark.parametrize(("suite", "index"), list(_cases()))
def test_expectation_passes_clean_rows_and_fails_a_dirty_one(suite, index, fixtures_by_suite, request):
    if suite.path not in fixtures_by_suite:
        warehouse = request.getfixturevalue("raw_warehouse" if suite.kind == "raw" else "mini_warehouse")
        frame = _frame(warehouse, suite)
        assert len(frame) > 0, f"{suite.path.name}: the fixture data has no rows to judge"
        fixtures_by_suite[suite.path] = (frame, _failing_rows_by_expectation(frame, suite))
    frame, failing = fixtures_by_suite[suite.path]
    expectation = dict(suite.expectations[index])

    clean = frame
    if index in failing:  # real data breaks it: the clean fixture is the rows that do not
        assert failing[index], f"{expectation['type']} fails on the real data without naming rows"
        clean = frame[~frame[ROW_KEY].isin(failing[index])].reset_index(drop=True)
        assert len(clean) > 0
        assert validate_frame(clean, suite, [expectation])[0].success, "the clean fixture passes"

    dirty = _break(clean, expectation)
    outcome = validate_frame(dirty, suite, [expectation])[0]
    assert not outcome.success, f"the dirty fixture fails {expectation['type']}"
    assert outcome.severity == expectation.get("severity", "critical")


# -- validation cost grows with what is new ---------------------------------------------------
def _load(exports: Path, warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as con:
        loader = Loader(con, exports)
        for name, files in discover(exports).items():
            loader.load_table(table(name), files)


def _key(result: SuiteResult) -> list[tuple]:
    return [
        (item.name, item.severity, item.success, item.element_count, item.unexpected_count, item.examples)
        for item in result.outcomes
    ]


def test_a_second_validation_of_unchanged_files_judges_no_row(tmp_path):
    warehouse = tmp_path / "journey.duckdb"
    _load(MINI_EXPORTS, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for suite in load_suites(kind="raw"):
            first = validate_new_files(con, suite)
            second = validate_new_files(con, suite)
            files = con.execute(f"select count(distinct _source_file) from raw.{suite.target[1]}").fetchall()[0][0]
            assert (first.files_judged, first.files_reused) == (files, 0), suite.name
            assert (second.rows, second.files_judged) == (0, 0), f"{suite.name}: unchanged files judged again"
            assert (second.files_reused, second.rows_reused) == (files, first.rows), suite.name
            assert _key(second) == _key(first), f"{suite.name}: the recorded outcome is the same outcome"
            assert _key(second) == _key(validate(con, suite)), f"{suite.name}: and the same as a full validation"


def _suite(name: str) -> Suite:
    return next(suite for suite in load_suites(kind="raw") if suite.target[1] == name)


def test_a_critically_failing_file_keeps_failing_until_it_is_fixed(tmp_path):
    exports = tmp_path / "exports"
    shutil.copytree(MINI_EXPORTS, exports)
    refunds = exports / "billing" / "stripe_invoices_refunds.jsonl"
    refund = {"id": "in_refund", "customer": "cus_A", "status": "refunded", "created": 1717200000,
              "currency": "usd", "lines": {"data": []}}  # fmt: skip
    refunds.write_text(json.dumps(refund) + "\n", encoding="utf-8")
    warehouse = tmp_path / "journey.duckdb"
    _load(exports, warehouse)
    suite, status = _suite("stripe_invoices"), 'expect_column_values_to_be_in_set("status")'
    with duckdb.connect(str(warehouse)) as con:
        first = validate_new_files(con, suite)
    assert [item.name for item in first.failed("critical")] == [status]

    for _ in range(2):  # later builds: nothing new is read, the file still blocks
        with duckdb.connect(str(warehouse)) as con:
            again = validate_new_files(con, suite)
        assert (again.rows, again.files_judged, again.files_reused) == (0, 0, 2)
        failed = again.failed("critical")
        assert [item.name for item in failed] == [status] and failed[0].unexpected_count == 1
        assert failed[0].examples[0]["_source_file"] == "billing/stripe_invoices_refunds.jsonl"

    # Another (clean) file arrives: only it is judged; the old failure stays.
    extra = dict(refund, id="in_extra", status="paid")
    (exports / "billing" / "stripe_invoices_extra.jsonl").write_text(json.dumps(extra) + "\n", encoding="utf-8")
    _load(exports, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        added = validate_new_files(con, suite)
    assert (added.rows, added.files_judged, added.files_reused) == (1, 1, 2)
    assert [item.name for item in added.failed("critical")] == [status]

    # The file is fixed (new content): it is judged again — with the file it was first judged with,
    # whose recorded outcome included it — and the block is lifted.
    refunds.write_text(json.dumps(dict(refund, status="paid")) + "\n", encoding="utf-8")
    _load(exports, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        fixed = validate_new_files(con, suite)
        recorded = con.execute(
            "select source_file, critical_failed from raw._validated_files where table_name = 'stripe_invoices' "
            "order by source_file"
        ).fetchall()
    assert (fixed.rows, fixed.files_judged, fixed.files_reused) == (first.rows, 2, 1)
    assert not fixed.failed("critical")
    assert recorded == [
        ("billing/stripe_invoices.jsonl", 0),
        ("billing/stripe_invoices_extra.jsonl", 0),
        ("billing/stripe_invoices_refunds.jsonl", 0),
    ]


def test_a_changed_suite_judges_every_file_again(tmp_path):
    warehouse = tmp_path / "journey.duckdb"
    _load(MINI_EXPORTS, warehouse)
    suite = _suite("hubspot_companies")
    changed = replace(suite, expectations=suite.expectations[:-1])
    with duckdb.connect(str(warehouse)) as con:
        first = validate_new_files(con, suite)
        assert suite_hash(changed) != suite_hash(suite)
        again = validate_new_files(con, changed)
    assert first.rows > 0 and (again.rows, again.files_reused) == (first.rows, 0)


def test_bounded_chunks_give_the_whole_file_outcome(tmp_path):
    """A file larger than a chunk: outcomes of the chunks merge to the one-frame outcome, and a
    duplicate id straddling two chunks is still found (uniqueness is then judged in SQL)."""
    exports = tmp_path / "exports"
    (exports / "support").mkdir(parents=True)
    users = [{"id": str(number), "email": f"user{number}@example.com", "role": "end-user"} for number in range(5000)]
    users[4500] = {"id": "7", "email": "other@example.com", "role": "end-user"}  # row 7's id again, later chunk
    users[3000]["email"] = "not an e-mail"  # a warning in the second chunk
    users[10]["role"] = "robot"  # and one in the first
    (exports / "support" / "zendesk_users.jsonl").write_text(
        "".join(json.dumps(user) + "\n" for user in users), encoding="utf-8"
    )
    warehouse = tmp_path / "journey.duckdb"
    _load(exports, warehouse)
    suite = _suite("zendesk_users")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        whole = validate(con, suite, examples=None, chunk_rows=1_000_000)
        chunked = validate(con, suite, examples=None, chunk_rows=2048)  # three chunks
    by_name = {item.name: item for item in chunked.outcomes}
    unique = by_name['expect_compound_columns_to_be_unique(["_source_file", "id"])']
    assert (unique.success, unique.unexpected_count, unique.element_count) == (False, 2, 5000)
    assert sorted(example["_row_number"] for example in unique.examples) == [8, 4501]
    assert by_name['expect_column_values_to_be_in_set("role")'].unexpected_count == 1
    assert by_name['expect_column_values_to_match_regex("email")'].unexpected_count == 1
    assert [(item.name, item.success, item.unexpected_count, item.element_count) for item in chunked.outcomes] == [
        (item.name, item.success, item.unexpected_count, item.element_count) for item in whole.outcomes
    ]
