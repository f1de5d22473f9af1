"""Shared fixtures: warehouses built through Dagster + dbt into temporary folders, once per session.

``built_warehouse(exports_dir, name)`` builds (or reuses) a warehouse from an exports folder and
returns its path; ``mini_warehouse`` is the hand-made five-account fixture; ``generated_exports``
and ``generated_warehouse`` are a small generated business (seed 11).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI_EXPORTS = FIXTURES / "mini_exports"
GENERIC_EXPORTS = FIXTURES / "generic_exports"
GENERIC_EXAMPLE_EXPORTS = REPO_ROOT / "data" / "generic_example" / "exports"  # docs/generic_profile.md
GENERATED_ACCOUNTS = 400
GENERATED_SEED = 11

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def build(exports: Path, warehouse: Path, log_level: str = "ERROR"):
    """Build ``warehouse`` from ``exports`` through Dagster (in this process); returns the BuildResult.

    Great Expectations runs in this (test worker) process, not in the helper process a build starts
    by default: the helper's use is to import GX (8 CPU-seconds) on the second core while Dagster
    starts, but a test worker imports GX once and keeps it, and under ``-n 2`` there is no idle core,
    so a helper per build only costs CPU. Builds run as subprocesses (the CLI, README and crash
    tests) keep the default helper, and tests/test_gx_worker.py shows both give the same outcomes.
    """
    import dagster as dg

    from dagster_project.build import build_warehouse

    with (
        _environment(JOURNEY_EXPORTS_DIR=str(exports), JOURNEY_WAREHOUSE=str(warehouse), JOURNEY_GX_WORKER="0"),
        dg.DagsterInstance.ephemeral() as instance,
    ):
        return build_warehouse(exports, warehouse, log_level=log_level, instance=instance)


def _shared_temp(tmp_path_factory) -> Path:
    """The session's temp root, shared by every xdist worker (each worker has its own basetemp below it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@contextmanager
def _once(tmp_path_factory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder made once per test session, whichever xdist worker asks first; the others wait for it.

    Yields (folder, done): when ``done`` is False the caller fills the folder, and it counts as made
    only if the block ends without an error (a failed build is tried again by the next worker).
    """
    from filelock import FileLock

    folder = _shared_temp(tmp_path_factory) / f"shared_{name}"
    with FileLock(str(folder) + ".lock"):
        marker = folder.with_name(folder.name + ".done")
        if marker.exists():
            yield folder, True
            return
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        yield folder, False
        marker.touch()


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory) -> Callable[[Path, str], Path]:
    """Build a warehouse from an exports folder once per session and name; fails on a failed build.

    Under xdist (``make test`` runs two workers) one worker builds it and each worker gets its own
    copy of the built folder, so a test that writes to its warehouse never disturbs the other worker.
    """
    cache: dict[str, Path] = {}

    def _built(exports: Path, name: str) -> Path:
        if name not in cache:
            with _once(tmp_path_factory, f"warehouse_{name}") as (folder, done):
                if not done:
                    result = build(exports, folder / "journey.duckdb")
                    assert result.success, f"build of {name} failed: {result.failed_steps} {result.failed_checks}"
            if os.environ.get("PYTEST_XDIST_WORKER"):
                own = tmp_path_factory.mktemp(f"warehouse_{name}")
                shutil.copytree(folder, own, symlinks=True, dirs_exist_ok=True)
                folder = own
            cache[name] = folder / "journey.duckdb"
        return cache[name]

    return _built


@pytest.fixture(scope="session")
def mini_warehouse(built_warehouse) -> Path:
    return built_warehouse(MINI_EXPORTS, "mini")


@pytest.fixture(scope="session")
def generic_warehouse(built_warehouse) -> Path:
    return built_warehouse(GENERIC_EXPORTS, "generic")


@pytest.fixture(scope="session")
def generic_example_warehouse(built_warehouse) -> Path:
    """The worked example of docs/generic_profile.md: units, a subscription join, churn events, vars."""
    return built_warehouse(GENERIC_EXAMPLE_EXPORTS, "generic_example")


@pytest.fixture(scope="module", params=["mini", "generic", "generated"])
def case(request) -> tuple[Path, Path]:
    """(exports folder, warehouse) for each dataset: hand-made, generic profile, generated."""
    if request.param == "mini":
        return MINI_EXPORTS, request.getfixturevalue("mini_warehouse")
    if request.param == "generic":
        return GENERIC_EXPORTS, request.getfixturevalue("generic_warehouse")
    return request.getfixturevalue("generated_exports"), request.getfixturevalue("generated_warehouse")


@pytest.fixture(scope="session")
def generated_exports(tmp_path_factory) -> Path:
    from journey_generator import generate

    with _once(tmp_path_factory, "generated") as (folder, done):
        if not done:
            generate(accounts=GENERATED_ACCOUNTS, seed=GENERATED_SEED, out=folder / "exports")
    return folder / "exports"  # read only: every worker reads the same files


@pytest.fixture(scope="session")
def generated_warehouse(built_warehouse, generated_exports) -> Path:
    return built_warehouse(generated_exports, "generated")


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run a read-only query against a built warehouse and fetch every row."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# --- `make test-fast`: the day-to-day subset ----------------------------------------------------
# Everything that needs no warehouse, the dbt unit tests and the tests on the one shared mini build;
# it leaves out the tests marked slow and those that need the generated or generic-profile builds.
HEAVY_FIXTURES = {"generated_exports", "generated_warehouse", "generic_warehouse", "generic_example_warehouse", "case"}


def pytest_addoption(parser):
    parser.addoption(
        "--fast", action="store_true", help="day-to-day subset: no slow tests, one shared (mini) build"
    )


# --- scheduling on two workers (`make test`: -n 2 --dist loadfile --no-loadscope-reorder) -------
# xdist hands whole files to the workers in collection order, and by default it first reorders files
# by their number of tests, which put the long one-test files (a fresh clone, a killed build) last,
# while the other worker idled. The longest files (seconds per file, `--durations`, 2026-11-30) go
# first instead; every other file keeps its place. Order only: no result depends on it.
LONGEST_FIRST = (
    "test_readme_commands.py",
    "test_postgres_engine.py",
    "test_crash_safety.py",
    "test_fastpath.py",
    "test_incremental.py",
    "test_publish_concurrency.py",
    "test_quality_gate.py",
    "test_cli.py",
    "test_metrics.py",
    "test_staging_reads.py",
    "test_definitions_analysts.py",
    "test_dbt_prepare.py",
    "test_dirty_build.py",
    "test_dev_server.py",
    "test_build.py",
)


def _longest_first(items) -> None:
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: the rest keep their order


def pytest_collection_modifyitems(config, items):
    _longest_first(items)
    if not config.getoption("--fast"):
        return
    kept, dropped = [], []
    for item in items:
        heavy = item.get_closest_marker("slow") or HEAVY_FIXTURES & set(getattr(item, "fixturenames", ()))
        (dropped if heavy else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
