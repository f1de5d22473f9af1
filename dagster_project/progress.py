"""What ``journey build`` shows while it runs: one line per phase, the full logs in a file.

Phases are derived from Dagster's step keys: ``raw__<table>`` ingests; ``raw_<table>_expectations``
and ``ingest_ledger`` check the raw tables; ``journey_dbt_models`` builds the dbt models and runs their
tests (the marts' invariants among them); ``serving__published_marts`` publishes and
``serving__journey_map_report`` draws the report.

On a terminal the phases are a live table (``rich``); otherwise (CI logs, a pipe) each phase prints
one plain line when it ends. Everything else — Dagster's log lines, dbt's output, library warnings —
goes to the build's log file (``captured_output`` redirects the process's stdout and stderr there), and
``--verbose`` shows it live instead.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

INGEST = "ingest"
RAW_CHECKS = "raw checks"
MODELS = "models"
TESTS = "tests"
PUBLISH = "publish"
REPORT = "report"
OTHER = "other"
# Mart invariants are dbt tests (one home per rule), so they are counted in TESTS.
PHASES = (INGEST, RAW_CHECKS, MODELS, TESTS, PUBLISH, REPORT)

DBT_STEP = "journey_dbt_models"
PUBLISH_STEP = "serving__published_marts"
REPORT_STEP = "serving__journey_map_report"
LEDGER_STEP = "ingest_ledger"  # the check that every raw table agrees with the ingest ledger
LOGS_KEPT = 10


def phases_of_step(step_key: str) -> tuple[str, ...]:
    """The phase(s) a Dagster step belongs to (the dbt step is both models and tests)."""
    if step_key == DBT_STEP:
        return (MODELS, TESTS)
    if step_key == PUBLISH_STEP:
        return (PUBLISH,)
    if step_key == REPORT_STEP:
        return (REPORT,)
    if step_key == LEDGER_STEP:
        return (RAW_CHECKS,)
    if step_key.endswith("_expectations"):  # Great Expectations guards the raw exports only
        return (RAW_CHECKS,)
    if step_key.startswith("raw__"):
        return (INGEST,)
    return (OTHER,)


def _unit(phase: str) -> str:
    return {INGEST: "tables", RAW_CHECKS: "suites"}.get(phase, "steps")


@dataclass
class Phase:
    name: str
    steps_total: int = 0
    steps_done: int = 0
    items: int = 0  # models built, tests run
    rows: int = 0  # rows loaded (ingest)
    failed: int = 0  # failed steps or failed blocking checks / tests
    warnings: int = 0  # failed non-blocking checks
    started: float | None = None
    finished: float | None = None
    running: set[str] = field(default_factory=set)

    @property
    def status(self) -> str:
        if self.started is None:
            return "waiting"
        if self.finished is None:
            return "running"
        return "failed" if self.failed else "done"

    def seconds(self, now: float | None = None) -> float | None:
        if self.started is None:
            return None
        return (self.finished if self.finished is not None else (now or time.monotonic())) - self.started

    def detail(self) -> str:
        """Counts in words, e.g. ``12/12 tables · 1,204 rows`` or ``187 tests · 2 failed``."""
        if self.name == MODELS:
            parts = [f"{self.items} built"]
        elif self.name == TESTS:
            parts = [f"{self.items} run"]
        elif self.steps_total:
            parts = [f"{self.steps_done}/{self.steps_total} {_unit(self.name)}"]
        else:
            parts = [f"{self.steps_done} {_unit(self.name)}"]
        if self.name == INGEST and self.rows:
            parts.append(f"{self.rows:,} rows loaded")
        if self.failed:
            parts.append(f"{self.failed} failed")
        if self.warnings:
            parts.append(f"{self.warnings} warning{'s' if self.warnings != 1 else ''}")
        return " · ".join(parts)


class BuildProgress:
    """Follows the run's Dagster events and shows one line per phase."""

    def __init__(self, step_keys: Iterable[str], stream: IO[str] | None = None, live: bool | None = None):
        self.stream = stream or sys.stderr
        # every phase exists from the start: the live display's thread reads this dict while events arrive
        self.phases: dict[str, Phase] = {name: Phase(name) for name in (*PHASES, OTHER)}
        for step_key in step_keys:
            for name in phases_of_step(step_key):
                self._phase(name).steps_total += 1
        self.live = self._isatty() if live is None else live
        self._live_display = None
        self._printed: set[str] = set()

    def _isatty(self) -> bool:
        try:
            return os.isatty(self.stream.fileno())
        except (AttributeError, OSError, ValueError):
            return False

    def _phase(self, name: str) -> Phase:
        if name not in self.phases:
            self.phases[name] = Phase(name)
        return self.phases[name]

    # -- events ---------------------------------------------------------------------------------
    def handle(self, event: Any) -> None:
        """Update the phases from one Dagster event (``DagsterEvent``)."""
        step_key = getattr(event, "step_key", None)
        if not step_key:
            return
        kind = event.event_type_value
        now = time.monotonic()
        for name in phases_of_step(step_key):
            phase = self._phase(name)
            if kind == "STEP_START":
                phase.started = phase.started if phase.started is not None else now
                phase.finished = None
                phase.running.add(step_key)
            elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
                phase.running.discard(step_key)
                if kind != "STEP_SKIPPED":
                    phase.steps_done += 1
                if kind == "STEP_FAILURE" and name != TESTS:
                    phase.failed += 1
                if phase.started is not None and not phase.running and (
                    phase.steps_total == 0 or phase.steps_done >= phase.steps_total or kind != "STEP_SUCCESS"
                ):
                    phase.finished = now
                    self._phase_ended(phase)
            elif kind == "ASSET_MATERIALIZATION" and name in (MODELS, INGEST):
                if name == MODELS:
                    phase.items += 1
                else:
                    phase.rows += _metadata_int(event, "this_run_rows_loaded")
            elif kind == "ASSET_CHECK_EVALUATION" and name != MODELS:
                data = event.event_specific_data
                if name == TESTS:
                    phase.items += 1
                if not data.passed:
                    if getattr(data.severity, "value", "ERROR") == "WARN":
                        phase.warnings += 1
                    else:
                        phase.failed += 1
        self.refresh()

    def _phase_ended(self, phase: Phase) -> None:
        if self.live or phase.name in self._printed:
            return
        self._printed.add(phase.name)
        print(self.plain_line(phase), file=self.stream, flush=True)

    def finish(self) -> None:
        """Close every phase still open (a failed or skipped step ends the run early)."""
        now = time.monotonic()
        for phase in self.phases.values():
            if phase.started is not None and phase.finished is None:
                phase.finished = now
                self._phase_ended(phase)
        self.refresh()

    # -- display --------------------------------------------------------------------------------
    def plain_line(self, phase: Phase) -> str:
        seconds = phase.seconds()
        elapsed = f"{seconds:.0f}s" if seconds is not None else "-"
        return f"  {phase.name:<12} {phase.status:<7} {phase.detail():<48} {elapsed:>6}"

    def renderable(self):
        from rich.table import Table

        table = Table(box=None, show_header=False, padding=(0, 1))
        now = time.monotonic()
        symbols = {"waiting": "[dim]·[/]", "running": "[yellow]…[/]", "done": "[green]✓[/]", "failed": "[red]✗[/]"}
        for phase in self.phases.values():
            if phase.name == OTHER and phase.started is None:
                continue
            seconds = phase.seconds(now)
            table.add_row(
                symbols[phase.status],
                phase.name,
                phase.detail() if phase.started is not None else "",
                f"{seconds:.0f}s" if seconds is not None else "",
            )
        return table

    def refresh(self) -> None:
        if self._live_display is not None:
            self._live_display.refresh()

    @contextmanager
    def shown(self) -> Iterator[BuildProgress]:
        """Show the live table for the duration (on a terminal); plain lines need nothing."""
        if not self.live:
            yield self
            return
        from rich.console import Console
        from rich.live import Live

        console = Console(file=self.stream)
        with Live(
            console=console,
            get_renderable=self.renderable,  # re-drawn 4 times a second, so elapsed times keep counting
            refresh_per_second=4,
            redirect_stdout=False,
            redirect_stderr=False,
        ) as live:
            self._live_display = live
            try:
                yield self
            finally:
                self.finish()
                self._live_display = None

    def seconds_by_phase(self) -> dict[str, float]:
        return {name: phase.seconds() for name, phase in self.phases.items() if phase.seconds() is not None}


def _metadata_int(event: Any, key: str) -> int:
    metadata = getattr(getattr(event.event_specific_data, "materialization", None), "metadata", {}) or {}
    value = metadata.get(key)
    raw = getattr(value, "value", value)
    return int(raw) if isinstance(raw, int | float) else 0


class _EventHandler(logging.Handler):
    """Hands each Dagster event of the run to the progress display."""

    def __init__(self, progress: BuildProgress):
        super().__init__(level=logging.DEBUG)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None:
            event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if event is not None:
            try:
                self.progress.handle(event)
            except Exception:  # the display must never break the build
                self.handleError(record)


def progress_logger(progress: BuildProgress, log_file: Path | None = None):
    """A Dagster logger definition feeding ``progress`` (and, when given, ``log_file``)."""
    import dagster as dg

    @dg.logger(description="journey build's progress display")
    def journey_progress(_init_context) -> logging.Logger:
        logger = logging.Logger("journey_progress", level=logging.DEBUG)
        logger.addHandler(_EventHandler(progress))
        if log_file is not None:
            handler = logging.FileHandler(log_file, encoding="utf-8")
            handler.setLevel(logging.INFO)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            logger.addHandler(handler)
        return logger

    return journey_progress


def new_log_file(folder: Path, now: datetime | None = None) -> Path:
    """``<folder>/build-<UTC time>.log``; only the newest ``LOGS_KEPT`` logs are kept."""
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"build-{stamp}.log"
    for old in sorted(folder.glob("build-*.log"))[: -(LOGS_KEPT - 1) or None]:
        old.unlink(missing_ok=True)
    path.touch()
    return path


@contextmanager
def captured_output(log_file: Path, enabled: bool = True) -> Iterator[tuple[IO[str], IO[str]]]:
    """Send this process's (and its children's) stdout and stderr to ``log_file``.

    Yields streams on the original stdout and stderr, for what the user should still see. The
    redirection is at file-descriptor level, so dbt's subprocess output and C-level writes go to the
    log file too. With ``enabled=False`` nothing is redirected (``--verbose``).
    """
    if not enabled:
        yield sys.stdout, sys.stderr
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    original_out = os.fdopen(os.dup(saved_out), "w", buffering=1, encoding="utf-8", errors="replace")
    original_err = os.fdopen(os.dup(saved_err), "w", buffering=1, encoding="utf-8", errors="replace")
    log_fd = os.open(log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    log_stream = os.fdopen(os.dup(log_fd), "w", buffering=1, encoding="utf-8", errors="replace")
    python_out, python_err = sys.stdout, sys.stderr
    try:
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        sys.stdout = sys.stderr = log_stream  # also when sys.stdout is not fd 1 (pytest, an IDE)
        yield original_out, original_err
    finally:
        log_stream.flush()
        sys.stdout, sys.stderr = python_out, python_err
        os.dup2(saved_out, 1)
        os.dup2(saved_err, 2)
        for fd in (saved_out, saved_err, log_fd):
            os.close(fd)
        for stream in (log_stream, original_out, original_err):
            stream.close()
