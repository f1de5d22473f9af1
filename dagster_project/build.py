"""Build the warehouse: every asset materialised through Dagster, in this process."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from dagster_project import settings


@dataclass
class BuildResult:
    success: bool
    warehouse: Path
    exports: Path
    seconds: float
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)


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
    from dagster_project.transform.project import dbt_project

    dbt_project.preparer.prepare(dbt_project)


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
) -> BuildResult:
    """Ingest ``exports`` into ``warehouse`` and build every dbt model and check through Dagster."""
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
    if instance is None:
        with dagster_instance() as owned_instance:
            result = _execute(job, owned_instance, run_config)
    else:
        result = _execute(job, instance, run_config)
    failed_steps = [
        f"{event.step_key}: {event.event_specific_data.error.message.strip()}"
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.STEP_FAILURE
    ]
    failed_checks = [
        f"{event.asset_check_evaluation_data.asset_key.to_user_string()} · "
        f"{event.asset_check_evaluation_data.check_name}"
        + (
            f": {event.asset_check_evaluation_data.description}"
            if event.asset_check_evaluation_data.description
            else ""
        )
        for event in result.all_events
        if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION
        and not event.asset_check_evaluation_data.passed
    ]
    return BuildResult(
        success=result.success,
        warehouse=warehouse_path,
        exports=exports_dir,
        seconds=time.monotonic() - started,
        failed_steps=failed_steps,
        failed_checks=failed_checks,
    )
