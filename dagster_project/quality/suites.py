"""Expectation suites: load the JSON contracts in ``expectations/`` and validate the warehouse with them.

A suite file is a Great Expectations 1.x ``ExpectationSuite`` as JSON (``name``, ``expectations``,
``meta``) whose ``meta`` also says what it judges (see ``expectations/README.md``):

- ``asset`` (raw suites: the Dagster asset key) or ``model`` (mart suites: the dbt model);
- ``query``: the DuckDB SQL giving the rows the expectations judge (the table, plus derived columns
  such as a parsed date); ``parse_timestamp(x)`` in it is staging's own date parser and
  ``$var:<name>`` a quality-gate dbt var;
- ``row_id``: the columns that identify a row in the report (file and row number for raw tables);
- ``sql_checks``: rules GX cannot express on one frame (orphan shares across tables), each a query
  returning ``unexpected``, ``total`` and ``examples``; it fails at its ``severity`` when
  ``unexpected ÷ total`` exceeds ``max_unexpected_share`` (default 0: any unexpected row).

Severity is GX's own: ``critical`` fails the blocking check (nothing downstream is built),
``warning`` fails the warning check (reported, nothing blocked), ``info`` is only reported.

GX is imported lazily (it takes seconds) and runs on pandas frames read from DuckDB: GX's SQL
datasource does not work with DuckDB. Its cost is kept proportional to what is new:

- rows are streamed from DuckDB in chunks of at most ``CHUNK_ROWS`` rows and the outcomes of the
  chunks are merged (counts summed, examples kept in order), so no frame ever holds a whole large
  table; when there is more than one chunk, a uniqueness expectation is judged in SQL over every row
  instead (``_unique_in_sql``), since a duplicate could straddle two chunks;
- ``validate_new_files`` judges only the files not judged yet by the current suite version (the hash
  of its resolved query and expectations), all of them in one batch, and records the batch in
  ``raw._validated_files``: per file its fingerprint (ingest content hash and row count), and the
  batch's outcome. A batch whose files are all unchanged is not read again: its recorded outcome is
  merged in. A change to one file of a batch voids it (its other files are judged again with the
  change). A failing file keeps failing on every build until it is fixed (new content) or removed;
- ``sql_checks`` (orphans across tables) stay SQL over the whole table: DuckDB aggregates them.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from dagster_project.quality.config import resolve_vars
from dagster_project.settings import EXPECTATIONS_DIR

SEVERITIES = ("critical", "warning", "info")
_VAR_IN_TEXT = re.compile(r"\$var:(\w+)")
EXAMPLES = 20  # failing rows quoted per expectation in results and reports
CHUNK_ROWS = 200_000  # the most rows handed to GX in one frame
VALIDATED = "raw._validated_files"  # what each raw file got from which suite version
ENGINE_VERSION = 1  # bump when the way outcomes are computed changes: every file is judged again


class SuiteError(ValueError):
    """A suite file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class SqlCheck:
    name: str
    sql: str
    description: str
    severity: str = "warning"
    max_unexpected_share: float = 0.0  # fails when unexpected ÷ total is above it


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    kind: str  # raw | mart
    target: tuple[str, ...]  # raw: the asset key path; mart: (model name,)
    description: str
    query: str
    row_id: tuple[str, ...]
    expectations: tuple[dict, ...]
    sql_checks: tuple[SqlCheck, ...]
    depends_on: tuple[tuple[str, ...], ...]

    @property
    def check_stem(self) -> str:
        return self.path.stem


@dataclass
class Outcome:
    """One expectation (or SQL check) judged on the data."""

    name: str
    severity: str
    success: bool
    description: str
    element_count: int | None = None
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed_value: Any = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None
    missing_count: int | None = None  # rows GX left out of unexpected_percent (nulls)

    @property
    def summary(self) -> str:
        if self.error:
            return f"{self.name}: could not run ({self.error})"
        if self.unexpected_count is not None:
            share = f" ({self.unexpected_percent:.2f}%)" if self.unexpected_percent is not None else ""
            shown = f"; e.g. {_short(self.examples[:3])}" if self.examples else ""
            return f"{self.name}: {self.unexpected_count} of {self.element_count} rows{share}{shown}"
        return f"{self.name}: observed {_short(self.observed_value)}"


@dataclass
class SuiteResult:
    suite: str
    kind: str
    target: list[str]
    rows: int
    seconds: float
    outcomes: list[Outcome]
    error: str | None = None
    files_judged: int = 0  # files whose rows GX read in this validation
    files_reused: int = 0  # unchanged files whose recorded outcome was merged in instead
    rows_reused: int = 0  # rows of those files (not read)

    def failed(self, severity: str) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.success and outcome.severity == severity]

    def to_json(self) -> dict:
        return _jsonable(asdict(self))


def _short(value: Any, limit: int = 160) -> str:
    text = json.dumps(_jsonable(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _jsonable(value: Any) -> Any:
    """Plain JSON types (numpy, pandas, decimals and dates become numbers and strings)."""
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(item) for item in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


# -- loading ----------------------------------------------------------------------------------
def load_suite(path: Path) -> Suite:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SuiteError(f"{path}: not valid JSON ({error})") from error
    meta = document.get("meta") or {}
    name = document.get("name")
    if not name or not isinstance(document.get("expectations"), list):
        raise SuiteError(f"{path}: a suite needs a name and a list of expectations")
    if "asset" in meta:
        kind, target = "raw", tuple(meta["asset"])
    elif "model" in meta:
        kind, target = "mart", (meta["model"],)
    else:
        raise SuiteError(f"{path}: meta needs 'asset' (raw suites) or 'model' (mart suites)")
    if not meta.get("query"):
        raise SuiteError(f"{path}: meta.query (the SQL giving the rows to judge) is missing")
    expectations = tuple(resolve_vars(expectation) for expectation in document["expectations"])
    for index, expectation in enumerate(expectations):
        severity = expectation.get("severity", "critical")
        if severity not in SEVERITIES:
            raise SuiteError(f"{path}: expectation {index} has severity {severity!r}; use one of {SEVERITIES}")
        if not expectation.get("type"):
            raise SuiteError(f"{path}: expectation {index} has no type")
    sql_checks = tuple(
        SqlCheck(
            name=check["name"],
            sql=_resolve_text(check["sql"]),
            description=check.get("description", ""),
            severity=check.get("severity", "warning"),
            max_unexpected_share=float(resolve_vars(check.get("max_unexpected_share", 0))),
        )
        for check in meta.get("sql_checks", [])
    )
    return Suite(
        name=name,
        path=path,
        kind=kind,
        target=target,
        description=meta.get("description", ""),
        query=_resolve_text(meta["query"]),
        row_id=tuple(meta.get("row_id", [])),
        expectations=expectations,
        sql_checks=sql_checks,
        depends_on=tuple(tuple(key) for key in meta.get("depends_on", [])),
    )


def _resolve_text(text: str | list[str]) -> str:
    """SQL may be written as a list of lines in JSON (readable); ``$var:x`` becomes the var's value."""
    if isinstance(text, list):
        text = "\n".join(text)
    return _VAR_IN_TEXT.sub(lambda match: str(resolve_vars(f"$var:{match.group(1)}")), text)


def load_suites(directory: Path = EXPECTATIONS_DIR, kind: str | None = None) -> list[Suite]:
    suites = [load_suite(path) for path in sorted(directory.rglob("*.json"))]
    return [suite for suite in suites if kind is None or suite.kind == kind]


# -- validating -------------------------------------------------------------------------------
def prepare_connection(con: duckdb.DuckDBPyConnection) -> None:
    """Define ``parse_timestamp(x)`` (staging's date parser) for suite queries on this connection."""
    from dagster_project.ingest.loader import parse_timestamp_sql

    con.execute(f"create or replace temp macro parse_timestamp(value) as {parse_timestamp_sql('value')}")


def validate(
    con: duckdb.DuckDBPyConnection, suite: Suite, examples: int | None = EXAMPLES, chunk_rows: int = CHUNK_ROWS
) -> SuiteResult:
    """Judge every row behind ``con`` with ``suite`` (file by file, in bounded chunks); no ledger.

    ``examples=None`` lists every failing row. Works on a read-only connection.
    """
    return _validate(con, suite, examples, chunk_rows, ledger=False)


def validate_new_files(
    con: duckdb.DuckDBPyConnection, suite: Suite, examples: int | None = EXAMPLES, chunk_rows: int = CHUNK_ROWS
) -> SuiteResult:
    """Judge only the files not yet judged by this version of ``suite``; merge the recorded outcomes of the rest.

    Needs a writable connection: what each file got is recorded in ``raw._validated_files``.
    """
    return _validate(con, suite, examples, chunk_rows, ledger=True)


def suite_hash(suite: Suite) -> str:
    """The suite's version: its resolved query, row id and expectations (dbt vars included), GX's version."""
    from importlib.metadata import version

    document = {
        "engine": ENGINE_VERSION,
        "gx": version("great_expectations"),
        "query": suite.query,
        "row_id": suite.row_id,
        "expectations": suite.expectations,
    }
    return hashlib.sha256(json.dumps(_jsonable(document), sort_keys=True).encode()).hexdigest()[:16]


def ensure_validated_files(con: duckdb.DuckDBPyConnection) -> None:
    """Create the validation ledger; one of another layout is only a cache, so it is replaced."""
    columns = {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns where table_schema || '.' || table_name = ?",
            [VALIDATED],
        ).fetchall()
    }
    if columns and "batch_id" not in columns:
        con.execute(f"drop table {VALIDATED}")
    con.execute(
        f"""create table if not exists {VALIDATED} (
            table_name varchar not null,
            source_file varchar not null,
            file_fingerprint varchar not null,
            suite_hash varchar not null,
            batch_id varchar not null,
            batch_rows_judged bigint not null,
            critical_failed integer not null,
            warning_failed integer not null,
            outcomes varchar not null,
            validated_at timestamp not null
        )"""
    )


def _files(con: duckdb.DuckDBPyConnection, suite: Suite) -> list[tuple[str, str | None]] | None:
    """(source file, fingerprint) of each file in the suite's raw table; the fingerprint is the ingest
    ledger's content hash and the file's row count (None when the ledger does not know the file: it is
    then judged every time). None for a suite without ``_source_file``: its query is judged whole."""
    if suite.kind != "raw" or "_source_file" not in suite.row_id:
        return None
    from dagster_project.ingest.loader import LEDGER, RAW_SCHEMA

    raw_table = f"{RAW_SCHEMA}.{suite.target[-1]}"
    ledger_exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [RAW_SCHEMA, LEDGER.split(".")[-1]],
    ).fetchall()[0][0]
    hashes = (
        f"left join (select source_file, any_value(file_hash) as file_hash from {LEDGER} "
        f"where table_name = ? and status = 'loaded' group by source_file) as ledger "
        "on ledger.source_file = counted._source_file"
        if ledger_exists
        else ""
    )
    rows = con.execute(
        f"""select counted._source_file,
                {"ledger.file_hash || ':' || counted.row_count" if ledger_exists else "null"}
            from (select _source_file, count(*) as row_count from {raw_table} group by _source_file) as counted
            {hashes}
            order by counted._source_file""",
        [suite.target[-1]] if ledger_exists else [],
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def _recorded_batches(
    con: duckdb.DuckDBPyConnection, suite: Suite, version: str, current: dict[str, str | None]
) -> dict[str, tuple[list[str], int, list[Outcome]]]:
    """Batches judged by this suite version whose every file is still there with the same content:
    batch id → (its files, rows it judged, its outcomes). Any change to one file of a batch (or its
    removal) voids the batch: its remaining files are judged again with the new ones."""
    ensure_validated_files(con)
    batches: dict[str, tuple[list[str], int, list[Outcome]]] = {}
    void = set()
    for batch_id, source_file, fingerprint, rows, outcomes in con.execute(
        f"select batch_id, source_file, file_fingerprint, batch_rows_judged, outcomes from {VALIDATED} "
        "where table_name = ? and suite_hash = ? order by batch_id, source_file",
        [suite.target[-1], version],
    ).fetchall():
        if current.get(source_file, "") != fingerprint:
            void.add(batch_id)
        if batch_id not in batches:
            batches[batch_id] = ([], rows, [Outcome(**item) for item in json.loads(outcomes)])
        batches[batch_id][0].append(source_file)
    return {batch_id: batch for batch_id, batch in batches.items() if batch_id not in void}


def _validate(
    con: duckdb.DuckDBPyConnection, suite: Suite, examples: int | None, chunk_rows: int, ledger: bool
) -> SuiteResult:
    started = time.monotonic()
    prepare_connection(con)
    try:
        listed = _files(con, suite)
        con.execute(f"select * from ({suite.query}) limit 0")
    except duckdb.Error as error:
        message = f"the suite's query failed: {str(error).splitlines()[0]}"
        outcome = Outcome("query", "warning", False, f"{suite.path.name}: update meta.query", error=message)
        return SuiteResult(suite.name, suite.kind, list(suite.target), 0, 0.0, [outcome], error=message)

    ledger = ledger and listed is not None
    current = dict(listed or [])
    version = suite_hash(suite) if ledger else ""
    reused = _recorded_batches(con, suite, version, current) if ledger else {}
    reused_files = {source_file for files, _, _ in reused.values() for source_file in files}
    new_files = [source_file for source_file in current if source_file not in reused_files]

    parts = [outcomes for _, _, outcomes in reused.values()]
    rows_judged = 0
    batch_id = f"{time.time_ns():x}-{len(new_files)}"  # the batch of files judged now
    try:
        if new_files or not parts:  # nothing reused: judge everything (an empty table judges its columns)
            only = new_files if reused_files else None
            outcomes, rows_judged = _judge_rows(con, suite, only, examples, chunk_rows)
            parts.append(outcomes)
            if ledger and not any(outcome.error for outcome in outcomes):
                files = [(name, current[name]) for name in new_files]
                _record(con, suite, version, batch_id, files, rows_judged, outcomes)
    except SuiteError as error:
        outcome = Outcome("suite", "warning", False, "fix the suite file", error=str(error))
        return SuiteResult(suite.name, suite.kind, list(suite.target), rows_judged, 0.0, [outcome], error=str(error))
    if ledger:  # forget batches that no longer hold (a file changed or removed)
        con.execute(
            f"delete from {VALIDATED} where table_name = ? and not (suite_hash = ? and list_contains(?, batch_id))",
            [suite.target[-1], version, [*reused, batch_id]],
        )
    outcomes = merge_outcomes(parts, examples)
    outcomes += [_run_sql_check(con, check, examples) for check in suite.sql_checks]
    return SuiteResult(
        suite.name,
        suite.kind,
        list(suite.target),
        rows_judged,
        time.monotonic() - started,
        outcomes,
        files_judged=len(new_files),
        files_reused=len(reused_files),
        rows_reused=sum(rows for _, rows, _ in reused.values()),
    )


def _record(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    version: str,
    batch_id: str,
    files: list[tuple[str, str | None]],
    rows: int,
    outcomes: list[Outcome],
) -> None:
    """Record the batch of files just judged; a file the ingest ledger does not know is not recorded."""
    known = [(source_file, fingerprint) for source_file, fingerprint in files if fingerprint is not None]
    if not known:
        return
    failed = [outcome for outcome in outcomes if not outcome.success]
    document = json.dumps(_jsonable([asdict(outcome) for outcome in outcomes]))
    con.executemany(
        f"insert into {VALIDATED} values (?, ?, ?, ?, ?, ?, ?, ?, ?, current_timestamp)",
        [
            [
                suite.target[-1],
                source_file,
                fingerprint,
                version,
                batch_id,
                rows,
                sum(outcome.severity == "critical" for outcome in failed),
                sum(outcome.severity == "warning" for outcome in failed),
                document,
            ]
            for source_file, fingerprint in known
        ],
    )


def _judge_rows(
    con: duckdb.DuckDBPyConnection, suite: Suite, only: list[str] | None, examples: int | None, chunk_rows: int
) -> tuple[list[Outcome], int]:
    """The suite's expectations on its rows (of the files ``only``, or all), read in chunks of at most
    ``chunk_rows``; returns (outcomes, rows judged)."""
    sql, params = (
        (suite.query, [])
        if only is None
        else (f"select * from ({suite.query}) as judged where list_contains(?, judged._source_file)", [only])
    )
    result = con.execute(sql, params)
    vectors = max(1, chunk_rows // 2048)  # DuckDB hands out vectors of 2,048 rows
    parts, rows = [], 0
    while True:
        frame = result.fetch_df_chunk(vectors)
        if len(frame) == 0 and parts:
            break
        rows += len(frame)
        parts.append(validate_frame(frame.reset_index(drop=True), suite, examples=examples))
        if len(frame) == 0:
            break
        del frame
    if len(parts) > 1:  # a duplicate may straddle two chunks: uniqueness is judged in SQL over every row
        for index, expectation in enumerate(suite.expectations):
            if expectation["type"] in UNIQUENESS:
                whole = _unique_in_sql(con, suite, sql, params, expectation, examples)
                nothing = replace(
                    whole, success=True, element_count=0, unexpected_count=0, missing_count=0, examples=[]
                )
                for number, part in enumerate(parts):
                    part[index] = whole if number == 0 else nothing
    return merge_outcomes(parts, examples), rows


UNIQUENESS = ("expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique")


def _unique_in_sql(
    con: duckdb.DuckDBPyConnection, suite: Suite, sql: str, params: list, expectation: dict, examples: int | None
) -> Outcome:
    """A uniqueness expectation judged by DuckDB over every row of ``sql`` (rows sharing a key all count)."""
    kwargs = expectation["kwargs"]
    columns = kwargs.get("column_list") or [kwargs["column"]]
    quoted = [_quote(column) for column in columns]
    shown = [_quote(column) for column in dict.fromkeys([*suite.row_id, *columns])]
    pair = ", ".join(
        f"{_literal(column)}: judged.{name}"
        for column, name in zip(dict.fromkeys([*suite.row_id, *columns]), shown, strict=True)
    )
    present = " or ".join(f"judged.{name} is not null" for name in quoted)
    limit = "" if examples is None else f"[1:{int(examples)}]"
    unexpected, total, found = con.execute(
        f"""with judged as ({sql}),
        keyed as (select *, count(*) over (partition by {", ".join(quoted)}) as _copies from judged where {present})
        select count(*) filter (where _copies > 1), (select count(*) from judged),
            (list({{{pair}}}) filter (where _copies > 1)){limit}
        from keyed as judged""",
        params,
    ).fetchall()[0]
    subject = columns if "column_list" in kwargs else columns[0]
    return Outcome(
        name=f"{expectation['type']}({_short(subject, 80)})",
        severity=expectation.get("severity", "critical"),
        success=not unexpected,
        description=(expectation.get("meta") or {}).get("why", ""),
        element_count=int(total),
        unexpected_count=int(unexpected),
        unexpected_percent=100.0 * unexpected / total if total else 0.0,
        examples=_jsonable(list(found or [])),
        missing_count=0,
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def merge_outcomes(parts: list[list[Outcome]], examples: int | None = EXAMPLES) -> list[Outcome]:
    """One outcome per expectation from the outcomes of several files or chunks (same suite, same order)."""
    if len(parts) == 1:
        return parts[0]
    merged = []
    for same in zip(*parts, strict=True):
        counted = [item for item in same if item.unexpected_count is not None]
        element_count = sum(item.element_count or 0 for item in counted) if counted else None
        unexpected = sum(item.unexpected_count or 0 for item in counted) if counted else None
        missing = sum(item.missing_count or 0 for item in counted) if counted else None
        judged = (element_count or 0) - (missing or 0)
        found = [example for item in same for example in item.examples]
        failing = [item for item in same if not item.success]
        merged.append(
            Outcome(
                name=same[0].name,
                severity=same[0].severity,
                success=not failing,
                description=same[0].description,
                element_count=element_count,
                unexpected_count=unexpected,
                unexpected_percent=(100.0 * unexpected / judged if judged else 0.0) if counted else None,
                observed_value=(failing or same)[0].observed_value,
                examples=found if examples is None else found[:examples],
                error=next((item.error for item in same if item.error), None),
                missing_count=missing,
            )
        )
    return merged


def _gx():
    """Great Expectations, imported on first use (it takes seconds), without telemetry."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    import great_expectations

    return great_expectations


def build_gx_suite(suite: Suite, expectations: Iterable[dict] | None = None):
    """The suite as a GX ``ExpectationSuite``; SuiteError naming the file if GX rejects an expectation."""
    chosen = suite.expectations if expectations is None else expectations
    try:
        return _gx().ExpectationSuite(name=suite.name, expectations=[dict(item) for item in chosen])
    except Exception as error:  # GX raises pydantic and its own errors
        raise SuiteError(f"{suite.path}: Great Expectations rejects an expectation: {error}") from error


@cache
def _batch_definition():
    """One pandas data source for every frame: each validation hands it a new dataframe."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = _gx().get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("journey_warehouse")
    return source.add_dataframe_asset("rows").add_batch_definition_whole_dataframe("all rows")


def validate_frame(
    frame, suite: Suite, expectations: Iterable[dict] | None = None, examples: int | None = EXAMPLES
) -> list[Outcome]:
    """Judge a pandas frame with the suite's expectations (or some of them), in the GX helper process
    when a build started one (``gx_worker``), else here."""
    from dagster_project.quality import gx_worker

    return gx_worker.validate(frame, suite, None if expectations is None else list(expectations), examples)


def validate_frame_here(
    frame, suite: Suite, expectations: Iterable[dict] | None = None, examples: int | None = EXAMPLES
) -> list[Outcome]:
    """Judge a pandas frame with the suite's expectations (or some of them), in this process."""
    gx_suite = build_gx_suite(suite, expectations)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    index_columns = [column for column in suite.row_id if column in frame.columns]
    result_format: dict[str, Any] = {
        "result_format": "COMPLETE" if examples is None else "SUMMARY",
        "partial_unexpected_count": examples or EXAMPLES,
    }
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    validation = batch.validate(gx_suite, result_format=result_format)
    return [_outcome(item, examples) for item in validation.results]


def _outcome(item, examples: int | None) -> Outcome:
    config = item.expectation_config
    kwargs = {key: value for key, value in config.kwargs.items() if key not in ("batch_id",)}
    subject = (
        kwargs.get("column")
        or kwargs.get("column_list")
        or [kwargs.get(key) for key in ("column_A", "column_B") if kwargs.get(key)]
    )
    name = f"{config.type}({_short(subject, 80) if subject else ''})"
    severity = getattr(config.severity, "value", config.severity) or "critical"
    result = item.result or {}
    listed = result.get("unexpected_index_list") if examples is None else result.get("partial_unexpected_index_list")
    if listed is None:
        listed = result.get("partial_unexpected_list") or []
    error = None
    if item.exception_info and item.exception_info.get("raised_exception"):
        error = str(item.exception_info.get("exception_message", "")).splitlines()[0][:300]
    return Outcome(
        name=name,
        severity=str(severity).lower(),
        success=bool(item.success),
        description=(config.meta or {}).get("why", "") or config.description or "",
        element_count=result.get("element_count"),
        unexpected_count=result.get("unexpected_count"),
        unexpected_percent=result.get("unexpected_percent"),
        observed_value=result.get("observed_value"),
        examples=_jsonable(listed if examples is None else listed[:examples]),
        error=error,
        missing_count=result.get("missing_count"),
    )


def _run_sql_check(con: duckdb.DuckDBPyConnection, check: SqlCheck, examples: int | None) -> Outcome:
    try:
        rows = con.execute(check.sql).fetchall()
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        return Outcome(check.name, "warning", False, check.description, error=message)
    unexpected, total, found = rows[0] if rows else (0, 0, [])
    unexpected, total = int(unexpected or 0), int(total or 0)
    share = unexpected / total if total else 0.0
    return Outcome(
        name=check.name,
        severity=check.severity,
        success=share <= check.max_unexpected_share,
        description=check.description,
        element_count=total,
        unexpected_count=unexpected,
        unexpected_percent=100.0 * share,
        examples=_jsonable(list(found or [])[: examples or None]),
    )
