"""Great Expectations in a helper process, imported while the build starts.

Importing GX costs ~8 s of CPU (pandas, scipy, altair...), and the raw checks cannot start before it is
done. A build (``build.build_warehouse``) calls ``start()`` first thing: one helper process imports GX
and creates its context on the second core while this process imports Dagster, loads the definitions
and ingests the exports. ``validate_frame`` then hands each frame to that process and waits for the
outcomes; the frames are the same bounded chunks as before (``suites.CHUNK_ROWS``).

Without ``start()`` (a Dagster run launched from the UI, a test calling the suites directly), or with
``JOURNEY_GX_WORKER=0``, or if the helper process dies, GX runs in this process as before: the
outcomes are the same either way.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

_POOL: ProcessPoolExecutor | None = None
logger = logging.getLogger(__name__)


def _warm(build_pid: int) -> None:
    """Runs in the helper process as it starts: let go of the build's output, watch the build, then
    import GX and create the one pandas data source."""
    import threading

    # The helper inherits the build's stdout and stderr: a caller reading them to the end (a test, a
    # pipe) must not wait on the helper. GX's own output is not wanted here anyway.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    threading.Thread(target=_exit_with, args=(build_pid,), daemon=True).start()
    from dagster_project.quality import suites

    suites._batch_definition()


def _exit_with(parent: int) -> None:
    """End the helper when the build process is gone, however it ended (killed, exited early)."""
    import time

    while os.getppid() == parent:  # the build's pid, given at start: it may be gone before we run
        time.sleep(0.5)
    os._exit(0)


def _ready() -> bool:
    return True


def _validate(frame, suite, expectations, examples):
    from dagster_project.quality import suites

    return suites.validate_frame_here(frame, suite, expectations, examples)


def enabled() -> bool:
    return os.environ.get("JOURNEY_GX_WORKER", "1") != "0"


def start() -> None:
    """Start the helper process and its GX import now, in the background (idempotent)."""
    global _POOL
    if _POOL is not None or not enabled():
        return
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    # spawn, not fork: the builder has threads (Dagster, DuckDB) that a fork would copy mid-flight.
    _POOL = ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_warm, initargs=(os.getpid(),)
    )
    _POOL.submit(_ready)  # the pool starts its process on the first submission


def stop() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(wait=False, cancel_futures=True)
        _POOL = None


def validate(frame, suite, expectations, examples):
    """The outcomes of ``suites.validate_frame_here``, computed in the helper process when it runs."""
    global _POOL
    if _POOL is not None:
        try:
            return _POOL.submit(_validate, frame, suite, expectations, examples).result()
        except BrokenProcessPool:  # the helper died (killed, out of memory): judge here, as before
            logger.warning("the Great Expectations helper process stopped; validating in the build process")
            _POOL = None
    from dagster_project.quality import suites

    return suites.validate_frame_here(frame, suite, expectations, examples)
