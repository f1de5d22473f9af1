"""Recovering a persistent Dagster instance after a build was killed.

Every asset that writes the warehouse claims a slot of the ``warehouse`` pool (limit 1: DuckDB allows
one writer). A build killed with SIGKILL (or a power cut) never gives its slot back and its run stays
STARTED, so with a persistent instance (``DAGSTER_HOME``, as ``make run`` and ``make dev`` use) the
next build waits for that slot forever. ``release_dead_runs`` finds runs whose every process is gone,
marks them failed and frees their slots; ``build.build_warehouse`` should call it before executing.
The warehouse itself needs no repair: each file loads in one transaction and DuckDB replays its WAL.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import dagster as dg

UNFINISHED = (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def release_dead_runs(instance: dg.DagsterInstance, is_alive: Callable[[int], bool] = process_alive) -> list[str]:
    """Mark unfinished runs whose processes no longer exist as failed and free their pool slots.

    A run counts as dead when every process that wrote one of its events is gone (on this machine).
    Returns the ids of the runs released.
    """
    released = []
    for run in instance.get_runs(filters=dg.RunsFilter(statuses=list(UNFINISHED))):
        pids = {
            entry.dagster_event.pid
            for entry in instance.all_logs(run.run_id)
            if entry.dagster_event is not None and entry.dagster_event.pid
        }
        if not pids or any(is_alive(pid) for pid in pids):
            continue
        instance.report_run_failed(
            run, message=f"The process of this run ({', '.join(map(str, sorted(pids)))}) no longer exists: killed."
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        released.append(run.run_id)
    return released
