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
datasource does not work with DuckDB.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
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


def validate(con: duckdb.DuckDBPyConnection, suite: Suite, examples: int | None = EXAMPLES) -> SuiteResult:
    """Judge the warehouse behind ``con`` with ``suite``; ``examples=None`` lists every failing row."""
    started = time.monotonic()
    prepare_connection(con)
    try:
        frame = con.execute(suite.query).df()
    except duckdb.Error as error:
        message = f"the suite's query failed: {str(error).splitlines()[0]}"
        outcome = Outcome("query", "warning", False, f"{suite.path.name}: update meta.query", error=message)
        return SuiteResult(suite.name, suite.kind, list(suite.target), 0, 0.0, [outcome], error=message)
    try:
        outcomes = validate_frame(frame, suite, examples=examples)
    except SuiteError as error:
        outcome = Outcome("suite", "warning", False, "fix the suite file", error=str(error))
        return SuiteResult(suite.name, suite.kind, list(suite.target), len(frame), 0.0, [outcome], error=str(error))
    outcomes += [_run_sql_check(con, check, examples) for check in suite.sql_checks]
    return SuiteResult(suite.name, suite.kind, list(suite.target), len(frame), time.monotonic() - started, outcomes)


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
    """Judge a pandas frame with the suite's expectations (or some of them)."""
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
