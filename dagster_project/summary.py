"""How a build ends: a summary read from the warehouse it just wrote, or one plain line of cause and remedy.

``print_summary`` follows a successful build: headline figures, the counts of rows and files kept out
with the query that lists them, how long each phase took and where every output is.
``failure_line`` follows a failed one: what failed, why, what was left untouched (the last good
publication) and what to do — never the figures of an earlier build.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project import settings
from dagster_project.publish.publisher import PARQUET_FOLDER, PUBLISHED_DUCKDB
from dagster_project.quality.report import LATEST_PAGE, QUALITY_FOLDER
from dagster_project.report.cli import REPORT_FILE_NAME as REPORT_FILE

QUARANTINE_QUERY = "select * from raw._quarantine"
REJECTED_QUERY = "select * from raw._ingest_files where status = 'rejected'"
IGNORED_QUERY = "select * from raw._ingest_files where status = 'ignored'"
UNMATCHED_QUERY = "select * from marts.mart_unmatched_records"

LOCK_PATTERNS = ("could not set lock", "conflicting lock")
DISK_FULL_PATTERNS = ("no space left on device", "errno 28", "disk is full", "enospc", "out of disk space")


def _scalar(con: duckdb.DuckDBPyConnection, sql: str):
    try:
        rows = con.execute(sql).fetchall()
    except duckdb.Error:
        return None
    return rows[0][0] if rows else None


def warehouse_summary(warehouse: Path) -> dict[str, object]:
    """Headline figures: accounts, paying customers and ending MRR of the latest month, rows kept out."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "as_of_month": _scalar(con, "select max(month) from marts.mart_mrr_monthly"),
            "accounts": _scalar(con, "select count(*) from marts.dim_accounts"),
            "paying_customers": _scalar(
                con, "select customers from marts.mart_mrr_monthly order by month desc limit 1"
            ),
            "ending_mrr": _scalar(
                con, "select ending_mrr from marts.mart_mrr_monthly order by month desc limit 1"
            ),
            "rows_loaded": _scalar(
                con, "select sum(rows_loaded) from raw._ingest_files where status = 'loaded'"
            ),
            "rows_quarantined": _scalar(con, "select count(*) from raw._quarantine"),
            "rows_duplicated": _scalar(
                con, "select sum(rows_duplicated) from raw._ingest_files where status = 'loaded'"
            ),
            "files_rejected": _scalar(
                con, "select count(*) from raw._ingest_files where status = 'rejected'"
            ),
            "files_ignored": _scalar(
                con, "select count(*) from raw._ingest_files where status = 'ignored'"
            ),
            "unmatched_records": _scalar(con, "select count(*) from marts.mart_unmatched_records"),
        }


def reporting_currency() -> str | None:
    """The currency every amount in the marts is in: dbt var ``reporting_currency`` (upper-cased)."""
    import yaml

    try:
        project = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    value = (project.get("vars") or {}).get("reporting_currency")
    return str(value).upper() if value else None


def output_paths(warehouse: Path, publish_dir: Path | None = None) -> dict[str, Path]:
    """Where a build writes: the warehouse, the publication, the report, the quality page."""
    publish = publish_dir or settings.publish_dir()
    return {
        "warehouse": warehouse,
        "published_duckdb": publish / PUBLISHED_DUCKDB,
        "published_parquet": publish / PARQUET_FOLDER,
        "report": publish / REPORT_FILE,
        "quality_page": publish / QUALITY_FOLDER / LATEST_PAGE,
    }


def phase_durations(phase_seconds: Mapping[str, float]) -> str:
    """``ingest 12s · raw checks 30s · models + tests 80s · …`` (models and tests are one dbt build)."""
    parts = []
    for name, seconds in phase_seconds.items():
        if name == "tests" and "models" in phase_seconds:
            continue
        label = "models + tests" if name == "models" and "tests" in phase_seconds else name
        parts.append(f"{label} {seconds:.0f}s")
    return " · ".join(parts)


def summary_lines(
    warehouse: Path,
    summary: Mapping[str, object],
    elapsed: float | None = None,
    phase_seconds: Mapping[str, float] | None = None,
    failed_checks: Sequence[str] = (),
    warnings: int = 0,
    log_file: Path | None = None,
    publish_dir: Path | None = None,
) -> list[str]:
    def count(key: str) -> object:
        return summary.get(key) or 0

    def shown(key: str) -> object:
        value = summary.get(key)
        return "-" if value is None else value

    mrr = summary.get("ending_mrr")
    currency = reporting_currency()
    money = f"{float(mrr):,.2f}" if mrr is not None else "-"
    if mrr is not None and currency:
        money += f" {currency} (reporting currency, dbt var reporting_currency)"
    paths = output_paths(warehouse, publish_dir)
    heading = "Journey Warehouse built" + (f" in {elapsed:.0f}s" if elapsed is not None else "")
    lines = ["", heading + (f" — {phase_durations(phase_seconds)}" if phase_seconds else "")]
    lines += [
        f"  latest month        {shown('as_of_month')}",
        f"  accounts            {shown('accounts')}",
        f"  paying customers    {shown('paying_customers')}",
        f"  ending MRR          {money}",
        f"  rows loaded         {count('rows_loaded')}",
        f"  duplicate rows      {count('rows_duplicated')}",
        f"  rows quarantined    {count('rows_quarantined'):<8}{QUARANTINE_QUERY}",
        f"  files rejected      {count('files_rejected'):<8}{REJECTED_QUERY}",
        f"  files not read      {count('files_ignored'):<8}{IGNORED_QUERY}",
        f"  unmatched records   {count('unmatched_records'):<8}{UNMATCHED_QUERY}",
    ]
    if warnings:
        lines.append(f"  check warnings      {warnings:<8}non-blocking; the quality page lists them")
    for check in failed_checks:
        lines.append(f"  FAILED CHECK {check}")
    lines += [
        "Where things are",
        f"  marts               schema marts of {paths['warehouse']} (one writer at a time: not for BI tools)",
        f"  publication         {paths['published_duckdb']} and {paths['published_parquet']}/ "
        "(for BI tools and readers; open read-only)",
        f"  report              {paths['report']}",
        f"  quality page        {paths['quality_page']}",
    ]
    if log_file is not None:
        lines.append(f"  full log            {log_file}")
    return lines


def print_summary(
    warehouse: Path,
    elapsed: float | None = None,
    failed_checks: Sequence[str] = (),
    stream=sys.stdout,
    phase_seconds: Mapping[str, float] | None = None,
    warnings: int = 0,
    log_file: Path | None = None,
    publish_dir: Path | None = None,
) -> dict:
    """Print the summary of a successful build; a warehouse that cannot be read is said, not raised."""
    summary: dict[str, object] = {}
    unreadable = None
    if warehouse.exists():
        try:
            summary = warehouse_summary(warehouse)
        except duckdb.Error as error:
            unreadable = _first_line(str(error))
    lines = summary_lines(warehouse, summary, elapsed, phase_seconds, failed_checks, warnings, log_file, publish_dir)
    if unreadable:
        lines.insert(2, f"  (figures unavailable: {warehouse} could not be read — {unreadable})")
    print("\n".join(lines), file=stream, flush=True)
    return summary


# -- failures -----------------------------------------------------------------------------------
def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip()
    return text.strip()


def _matches(texts: Iterable[str], patterns: Iterable[str]) -> str | None:
    for text in texts:
        lowered = text.lower()
        if any(pattern in lowered for pattern in patterns):
            return text
    return None


def publication_state(publish_dir: Path, published_now: bool) -> str:
    """What readers still have: this build's publication, or the last good one, untouched."""
    published = publish_dir / PUBLISHED_DUCKDB
    if published_now:
        return f"the marts were published to {published} before the failure"
    if not published.exists():
        return f"nothing was published (no earlier publication exists in {publish_dir})"
    stamp = datetime.fromtimestamp(published.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"nothing was published: the last good publication {published} ({stamp}) is untouched"


def lock_line(warehouse: Path, pid: int | None, command: str | None, publish_dir: Path | None = None) -> str:
    """The one line for a warehouse file another process holds open."""
    publish = publish_dir or settings.publish_dir()
    holder = f"process {pid}" if pid is not None else "another process"
    if command:
        holder += f" ({command})"
    return (
        f"build failed: {warehouse} is held open by {holder}, and DuckDB lets one process write it; "
        f"{publication_state(publish, published_now=False)}. "
        f"Close that process (or stop its connection), point readers at {publish / PUBLISHED_DUCKDB} "
        "(read-only) instead of the warehouse, and run the build again."
    )


def failure_line(
    warehouse: Path,
    failures: Sequence[object] = (),
    blocking_checks: Sequence[str] = (),
    succeeded_steps: Iterable[str] = (),
    log_file: Path | None = None,
    publish_dir: Path | None = None,
) -> str:
    """The one line a failed build ends with: what failed, why, what is untouched, what to do.

    ``failures`` are ``build.StepFailure`` objects (step key, message and the messages of its causes).
    """
    from dagster_project.progress import PUBLISH_STEP, phases_of_step

    publish = publish_dir or settings.publish_dir()
    untouched = publication_state(publish, published_now=PUBLISH_STEP in set(succeeded_steps))
    see_log = f" Full log: {log_file}" if log_file is not None else ""
    texts = [text for failure in failures for text in (failure.message, *failure.causes)]

    lock = _matches(texts, LOCK_PATTERNS)
    if lock:
        match = re.search(r"PID (\d+)", lock)
        from dagster_project.build import _pid_and_command

        pid, command = _pid_and_command(lock) if match else (None, None)
        return lock_line(warehouse, pid, command, publish) + see_log

    full = _matches(texts, DISK_FULL_PATTERNS)
    if full:
        folder = warehouse.parent if warehouse.parent.exists() else Path(warehouse.anchor or "/")
        free = shutil.disk_usage(folder).free / 1024**2
        return (
            f"build failed: the disk is full ({free:,.0f} MB free on the file system of {folder}) — "
            f"{_first_line(full)}; {untouched}. Free space there (or set JOURNEY_WAREHOUSE / "
            f"JOURNEY_PUBLISH_DIR to a larger disk) and run the build again.{see_log}"
        )

    if blocking_checks:
        more = f" (and {len(blocking_checks) - 1} more)" if len(blocking_checks) > 1 else ""
        quality = publish / QUALITY_FOLDER / LATEST_PAGE
        return (
            f"build stopped: blocking check {_first_line(blocking_checks[0])}{more}; {untouched}. "
            f"Fix the exports the check names (the quality page {quality} lists the rows), then build again."
            f"{see_log}"
        )

    if failures:
        first = failures[0]
        phase = " + ".join(phases_of_step(first.step_key))
        more = f" (and {len(failures) - 1} more failed step(s))" if len(failures) > 1 else ""
        return (
            f"build failed in {phase} (step {first.step_key}): {_first_line(first.message)}{more}; {untouched}. "
            f"The full log has the error in context; fix its cause and run the build again.{see_log}"
        )
    return f"build failed with no failed step recorded; {untouched}. Run it again with --verbose.{see_log}"
