"""Build the warehouse: every asset materialised through Dagster, in this process."""

from __future__ import annotations

import os
import re
import shutil
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project import settings


@dataclass
class StepFailure:
    """One failed Dagster step: its key and every message of its error chain (cause first-class)."""

    step_key: str
    message: str
    causes: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join([self.message, *self.causes])


@dataclass
class BuildResult:
    success: bool
    warehouse: Path
    exports: Path
    seconds: float
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    blocking_checks: list[str] = field(default_factory=list)  # the failed checks of severity ERROR
    failures: list[StepFailure] = field(default_factory=list)
    succeeded_steps: set[str] = field(default_factory=set)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    log_file: Path | None = None


@dataclass
class LockHolder:
    """The process holding the warehouse file's lock, as DuckDB names it."""

    pid: int | None
    command: str | None
    error: str


def warehouse_lock_holder(warehouse: Path) -> LockHolder | None:
    """Who holds ``warehouse`` open (DuckDB allows one writer process), or None when it is free.

    Opens the file read-write and closes it at once; DuckDB's lock error names the holder's PID, and
    its command line is read from ``/proc`` (where there is one).
    """
    import duckdb

    if not warehouse.exists():
        return None
    try:
        duckdb.connect(str(warehouse)).close()
    except duckdb.Error as error:
        text = str(error)
        if "lock" not in text.lower():
            raise
        return LockHolder(*_pid_and_command(text), error=text)
    return None


def _pid_and_command(lock_error: str) -> tuple[int | None, str | None]:
    match = re.search(r"PID (\d+)", lock_error)
    if not match:
        return None, None
    pid = int(match.group(1))
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        held_in = re.search(r"held in (.+?) \(PID", lock_error)
        return pid, held_in.group(1) if held_in else None
    command = " ".join(" ".join(part.decode(errors="replace").split()) for part in raw.split(b"\0") if part)
    return pid, _shortened(command) or None


def _shortened(text: str, limit: int = 160) -> str:
    """One line, at most ``limit`` characters (a notebook's command line can be a whole script)."""
    return text if len(text) <= limit else text[: limit // 2 - 2] + " … " + text[-(limit // 2 - 1) :]


def dagster_instance():
    """The instance under $DAGSTER_HOME (so runs show in `make dev`), else an ephemeral one."""
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    Path(home).mkdir(parents=True, exist_ok=True)
    config = Path(home) / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(Path(__file__).with_name("dagster.yaml"), config)
    return dg.DagsterInstance.get()


def prepare_dbt_project() -> None:
    """``dbt parse``, so the manifest Dagster loads has every model (an analyst's new one too)."""
    from dagster_project.transform.project import dbt_project, preparer

    preparer.prepare(dbt_project)


def job_step_keys(job) -> list[str]:
    """The step keys of the asset job (one per op: an asset, a multi-asset or a check)."""
    return [node.name for node in job.graph.nodes]


def _execute(job, instance, run_config):
    """Run the job; first free the warehouse pool slot of any earlier build that was killed."""
    from dagster_project.quality.recovery import release_dead_runs

    release_dead_runs(instance)
    return job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)


def build_warehouse(
    exports: Path | str | None = None,
    warehouse: Path | str | None = None,
    log_level: str = "INFO",
    instance=None,
    progress_stream=None,
    log_file: Path | None = None,
) -> BuildResult:
    """Ingest ``exports`` into ``warehouse`` and build every dbt model and check through Dagster.

    With ``progress_stream``, one line per phase is shown there (``progress.BuildProgress``: a live
    table on a terminal, plain lines otherwise) and ``log_file``, when given, receives the Dagster log
    records as well (the console logger keeps ``log_level``).
    """
    from dagster_project.quality import gx_worker

    gx_worker.start()  # GX imports in a helper process while Dagster starts and the exports load
    settings.use_paths(exports=exports, warehouse=warehouse)
    exports_dir = settings.exports_dir()
    os.environ["JOURNEY_EXPORTS_DIR"] = str(exports_dir)
    warehouse_path = settings.warehouse_path()

    import dagster as dg

    prepare_dbt_project()
    from dagster_project.definitions import defs

    started = time.monotonic()
    job = defs.resolve_implicit_global_asset_job_def()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    progress = None
    if progress_stream is not None:
        from dagster_project.progress import BuildProgress, progress_logger

        progress = BuildProgress(job_step_keys(job), stream=progress_stream)
        job = job.with_logger_defs(
            {"console": dg.colored_console_logger, "journey_progress": progress_logger(progress, log_file)}
        )
        run_config["loggers"]["journey_progress"] = {}
    with progress.shown() if progress is not None else nullcontext():
        if instance is None:
            with dagster_instance() as owned_instance:
                result = _execute(job, owned_instance, run_config)
        else:
            result = _execute(job, instance, run_config)
        if progress is not None:
            progress.finish()
    failures = [
        _step_failure(event) for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_FAILURE
    ]
    failed_steps = [f"{failure.step_key}: {failure.message}" for failure in failures]
    check_failures = [
        event.asset_check_evaluation_data
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and not event.asset_check_evaluation_data.passed
    ]
    failed_checks = [
        f"{data.asset_key.to_user_string()} · {data.check_name}" + (f": {data.description}" if data.description else "")
        for data in check_failures
    ]
    return BuildResult(
        success=result.success,
        warehouse=warehouse_path,
        exports=exports_dir,
        seconds=time.monotonic() - started,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
        blocking_checks=[
            text
            for text, data in zip(failed_checks, check_failures, strict=True)
            if data.severity != dg.AssetCheckSeverity.WARN
        ],
        failures=failures,
        succeeded_steps={
            event.step_key for event in result.all_events if event.event_type == dg.DagsterEventType.STEP_SUCCESS
        },
        phase_seconds=progress.seconds_by_phase() if progress is not None else {},
        log_file=log_file,
    )


def _step_failure(event) -> StepFailure:
    """The failed step's error message and the messages of its causes (a disk-full is often a cause)."""
    error = event.event_specific_data.error
    causes = []
    seen = error.cause or error.context
    while seen is not None and len(causes) < 10:
        causes.append(seen.message.strip())
        seen = seen.cause or seen.context
    return StepFailure(step_key=event.step_key, message=error.message.strip(), causes=causes)
