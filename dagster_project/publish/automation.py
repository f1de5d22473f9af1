"""When builds run by themselves: a daily schedule, and a sensor on the exports folder.

Both launch ``journey_build`` (every asset: ingest, dbt build with its checks, publish, report).
The sensor fingerprints the exports folder (relative path, size, modification time of every file)
and requests a build when the fingerprint changes, once the files have stopped changing for
``SETTLE_SECONDS`` (a file still being copied is not built half-way). On its first evaluation it
builds only when no warehouse exists yet, so starting ``make dev`` on a built warehouse does not
rebuild it.
"""

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from dagster_project.resources import WarehouseResource

BUILD_JOB_NAME = "journey_build"
SETTLE_SECONDS = 30
SENSOR_INTERVAL_SECONDS = 60

journey_build = dg.define_asset_job(
    BUILD_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest the exports, build and test every dbt model, publish the marts, draw the report.",
)


@dataclass(frozen=True)
class ExportsSnapshot:
    fingerprint: str
    files: int
    newest_mtime: float


def snapshot_exports(exports_dir: Path) -> ExportsSnapshot:
    """A fingerprint of every visible file under ``exports_dir`` (hidden files and folders ignored)."""
    digest = hashlib.sha256()
    files = 0
    newest = 0.0
    if exports_dir.is_dir():
        for path in sorted(exports_dir.rglob("*")):
            relative = path.relative_to(exports_dir)
            if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            stat = path.stat()
            digest.update(f"{relative.as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            files += 1
            newest = max(newest, stat.st_mtime)
    return ExportsSnapshot(fingerprint=digest.hexdigest()[:32], files=files, newest_mtime=newest)


@dataclass(frozen=True)
class SensorDecision:
    build: bool
    remember: bool  # store the fingerprint as the cursor
    reason: str


def evaluate_exports(
    snapshot: ExportsSnapshot, cursor: str | None, warehouse_exists: bool, now: float
) -> SensorDecision:
    """Whether to build now, and why (the sensor's decision, kept pure so it is easy to test)."""
    if snapshot.files == 0:
        return SensorDecision(False, False, "the exports folder holds no file")
    if snapshot.fingerprint == cursor:
        return SensorDecision(False, False, "no new or changed export file")
    if now - snapshot.newest_mtime < SETTLE_SECONDS:
        return SensorDecision(
            False, False, f"export files changed less than {SETTLE_SECONDS}s ago; waiting for them to settle"
        )
    if cursor is None and warehouse_exists:
        return SensorDecision(
            False, True, "first look at the exports folder; the warehouse already exists, so nothing to do"
        )
    return SensorDecision(True, True, f"{snapshot.files} export file(s), fingerprint {snapshot.fingerprint}")


@dg.sensor(
    job=journey_build,
    minimum_interval_seconds=SENSOR_INTERVAL_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts journey_build when files are added to or changed in the exports folder "
        f"(after they have not changed for {SETTLE_SECONDS}s)."
    ),
)
def new_exports_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    snapshot = snapshot_exports(warehouse.exports_dir)
    decision = evaluate_exports(snapshot, context.cursor, warehouse.warehouse_path.exists(), time.time())
    if decision.remember:
        context.update_cursor(snapshot.fingerprint)
    if not decision.build:
        return dg.SkipReason(decision.reason)
    return dg.RunRequest(run_key=f"exports-{snapshot.fingerprint}", tags={"journey/trigger": decision.reason[:200]})


daily_build_schedule = dg.ScheduleDefinition(
    name="daily_build",
    job=journey_build,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuilds everything every day at 06:00 UTC (exports dropped by scheduled tool exports).",
)
