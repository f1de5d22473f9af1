"""Crash safety: kill `journey build` mid-ingest and mid-dbt, build again, get a consistent warehouse.

The build runs as a subprocess (its own process group, so dbt's child process dies with it) on the
mini exports, with a persistent Dagster instance of its own (``DAGSTER_HOME`` in a temporary folder,
as ``make run`` has one). A killed run keeps its slot of the ``warehouse`` pool, so before building
again the test releases dead runs (``quality.recovery.release_dead_runs``, which ``journey build``
should call first) and checks that the killed run was the one released. It is killed with SIGKILL:

1. mid-ingest, inside the transaction of the invoices file (the loader's test-only hook
   ``JOURNEY_TEST_KILL_BEFORE_COMMIT``): nothing of that file may be in the warehouse afterwards;
2. mid-dbt, as soon as dbt has created its first intermediate table (read from the build's output):
   some models are built, the rest are not;

then built again to the end (in-process, as the session's other builds). The result must equal a
clean build: no duplicate rows, ledger counts equal to the raw tables, and every mart identical to
the session's clean mini warehouse.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.loader import KILL_HOOK
from tests.conftest import MINI_EXPORTS, REPO_ROOT, build

pytestmark = pytest.mark.slow

BUILD_TIMEOUT = 600
# Timestamps of the load itself differ between any two builds; everything else must be equal.
RUN_SPECIFIC_COLUMNS = {"loaded_at", "file_modified_at"}


def _start_build(warehouse: Path, dagster_home: Path, **extra_env: str) -> subprocess.Popen:
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home), **extra_env}
    if KILL_HOOK not in extra_env:
        env.pop(KILL_HOOK, None)
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dagster_project.cli",
            "build",
            "--exports",
            str(MINI_EXPORTS),
            "--warehouse",
            str(warehouse),
            "--log-level",
            "INFO",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: dbt's process is killed with it
    )


def _kill_when(process: subprocess.Popen, marker: str) -> list[str]:
    """Read the build's output until ``marker`` appears, then SIGKILL the whole process group."""
    watchdog = threading.Timer(BUILD_TIMEOUT, lambda: os.killpg(process.pid, signal.SIGKILL))
    watchdog.start()  # a build that hangs silently is killed too, and the test fails below
    lines = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            lines.append(line)
            if marker in line:
                os.killpg(process.pid, signal.SIGKILL)
                break
    finally:
        watchdog.cancel()
    process.wait(timeout=60)
    return lines


def _release_the_killed_run(dagster_home: Path) -> None:
    """The killed run still holds the warehouse pool's slot; release it as a new build must."""
    import dagster as dg

    from dagster_project.quality.recovery import release_dead_runs

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        unfinished = [run.run_id for run in instance.get_runs() if not run.is_finished]
        assert len(unfinished) == 1, "the killed run is left unfinished"
        assert release_dead_runs(instance) == unfinished
        assert instance.get_run_by_id(unfinished[0]).status == dg.DagsterRunStatus.FAILURE
        assert release_dead_runs(instance) == []


def _tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[str]:
    return [
        row[0]
        for row in con.execute(
            "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE' "
            "order by 1",
            [schema],
        ).fetchall()
    ]


def _mart_contents(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        contents = {}
        for mart in _tables(con, "marts"):
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts' "
                    "and table_name = ? order by ordinal_position",
                    [mart],
                ).fetchall()
                if row[0] not in RUN_SPECIFIC_COLUMNS
            ]
            select = ", ".join('"' + column + '"' for column in columns)
            contents[mart] = sorted(
                con.execute(f"select {select} from marts.{mart}").fetchall(), key=lambda row: repr(row)
            )
        return contents


def _open_after_kill(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, once the killed build's processes are gone: the test waits for the
    build process only, and its dbt child may take a moment longer to be reaped and drop its lock."""
    deadline = time.monotonic() + 60
    while True:
        try:
            return duckdb.connect(str(warehouse), read_only=True)
        except duckdb.IOException as error:
            if "lock" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def _assert_consistent(warehouse: Path) -> None:
    with _open_after_kill(warehouse) as con:
        for raw_table in _tables(con, "raw"):
            columns = {row[0] for row in con.execute(f"describe raw.{raw_table}").fetchall()}
            if "_row_hash" not in columns:
                continue
            duplicates = con.execute(f"select count(*) - count(distinct _row_hash) from raw.{raw_table}").fetchall()[0][
                0
            ]
            assert duplicates == 0, f"raw.{raw_table} holds a row twice"
            mismatched = con.execute(
                f"""select ledger.source_file, ledger.rows_loaded, count(loaded._row_hash)
                from raw._ingest_files as ledger
                left join raw.{raw_table} as loaded on loaded._source_file = ledger.source_file
                where ledger.table_name = ? and ledger.status = 'loaded'
                group by all having ledger.rows_loaded <> count(loaded._row_hash)""",
                [raw_table],
            ).fetchall()
            assert not mismatched, f"raw.{raw_table}: ledger and table disagree {mismatched}"
        repeated = con.execute(
            "select table_name, source_file, status, count(*) from raw._ingest_files group by all having count(*) > 1"
        ).fetchall()
        assert not repeated, f"a file recorded twice in the ledger: {repeated}"


def test_a_build_killed_mid_ingest_and_mid_dbt_recovers_to_a_clean_build(mini_warehouse, tmp_path):
    warehouse = tmp_path / "crashed" / "journey.duckdb"
    dagster_home = tmp_path / "dagster_home"

    # 1. Killed inside the invoices file's transaction.
    killed = _start_build(warehouse, dagster_home, **{KILL_HOOK: "stripe_invoices"})
    output, _ = killed.communicate(timeout=BUILD_TIMEOUT)
    assert killed.returncode == -signal.SIGKILL, output[-3000:]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.stripe_invoices").fetchall() == [(0,)]
        assert con.execute(
            "select count(*) from raw._ingest_files where table_name = 'stripe_invoices'"
        ).fetchall() == [(0,)]
        assert con.execute("select count(*) from raw._quarantine where table_name = 'stripe_invoices'").fetchall() == [
            (0,)
        ]
    _assert_consistent(warehouse)
    _release_the_killed_run(dagster_home)

    # 2. Built again (ingest resumes), killed once dbt has built its first intermediate table.
    marker = "OK created sql table model intermediate."
    lines = _kill_when(_start_build(warehouse, dagster_home), marker)
    assert any(marker in line for line in lines), "".join(lines[-50:])
    _assert_consistent(warehouse)
    _release_the_killed_run(dagster_home)

    # 3. Built again to the end (in this process, to save a start-up): the same as a build that never crashed.
    result = build(MINI_EXPORTS, warehouse)
    assert result.success, f"{result.failed_steps} {result.failed_checks}"
    _assert_consistent(warehouse)
    recovered, clean = _mart_contents(warehouse), _mart_contents(mini_warehouse)
    assert sorted(recovered) == sorted(clean)
    for mart in clean:
        assert recovered[mart] == clean[mart], f"marts.{mart} differs from a clean build"
