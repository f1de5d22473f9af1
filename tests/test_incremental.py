"""Incremental staging (issue 14): builds over several drops equal one full build, mart for mart.

A generated business's product events, Zendesk tickets (API and CSV) and ticket metrics are split
into three drops, copied into one exports folder a drop at a time, with a build after each; the
second drop's build is killed (SIGKILL) once dbt has committed the incremental events model, and
built again. The last drop also holds new versions of tickets of the first drop (one newer, which
must win; one older, which must lose). After the third drop every mart (and the three incremental
staging tables) must equal a build of the final folder from scratch, value for value; then one
file's content is replaced and another file removed, and the incremental build must again equal a
full build of that folder. Files keep their modification times (``shutil.copy2``), which decide
version ties, so the two folders are the same exports.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from dagster_project.ingest.loader import KILL_HOOK
from tests.conftest import REPO_ROOT, build
from tests.test_crash_safety import _kill_when, _release_the_killed_run

pytestmark = pytest.mark.slow

ACCOUNTS = 150
SEED = 29
INCREMENTAL_MODELS = ("stg_product__events", "stg_zendesk__tickets", "stg_zendesk__ticket_metrics")
# Split into drops: (relative path in the generated folder, kind).
SPLIT_FILES = {
    "support/zendesk_tickets.jsonl": "jsonl",
    "support/zendesk_ticket_metrics.jsonl": "jsonl",
    "support/zendesk_tickets_export.csv": "csv",
}
KILL_MARKER = "OK created sql incremental model staging.stg_product__events"
RUN_SPECIFIC_COLUMNS = {"loaded_at", "_loaded_at"}  # when a file was loaded differs between any two builds


def _write_lines(path: Path, lines: list[str], mtime: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
    os.utime(path, (mtime, mtime))


def _thirds(items: list) -> list[list]:
    size = -(-len(items) // 3)
    return [items[index * size : (index + 1) * size] for index in range(3)]


def _ticket_updates(first_drop_tickets: list[str]) -> list[str]:
    """A later export of two first-drop tickets: one newer version (wins), one older (loses)."""
    newer, older = (json.loads(line) for line in first_drop_tickets[:2])
    newer_time = datetime.fromisoformat(newer["updated_at"].replace("Z", "+00:00")) + timedelta(minutes=1)
    newer.update(status="closed", subject="newer version", updated_at=newer_time.strftime("%Y-%m-%dT%H:%M:%SZ"))
    older_time = datetime.fromisoformat(older["updated_at"].replace("Z", "+00:00")) - timedelta(days=1)
    older.update(status="new", subject="older version", updated_at=older_time.strftime("%Y-%m-%dT%H:%M:%SZ"))
    return [json.dumps(newer), json.dumps(older)]


@pytest.fixture(scope="module")
def drops(tmp_path_factory) -> list[Path]:
    """Three folders, each a drop to copy into the exports folder in turn."""
    from journey_generator import generate

    root = tmp_path_factory.mktemp("incremental")
    generated = root / "generated"
    generate(accounts=ACCOUNTS, seed=SEED, out=generated)
    # One modification time for every file (the export time, which breaks version ties), an hour
    # later for the ticket updates: a later export.
    stamp = (generated / "support/zendesk_tickets.jsonl").stat().st_mtime
    folders = [root / f"drop_{index}" for index in range(3)]
    events = sorted(path.relative_to(generated).as_posix() for path in (generated / "product").glob("*.jsonl"))
    assert len(events) >= 6, "the generated business has too few months of events to split"
    for path in sorted(generated.rglob("*")):
        relative = path.relative_to(generated).as_posix()
        if path.is_file() and relative not in SPLIT_FILES and relative not in events:
            target = folders[0] / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            os.utime(target, (stamp, stamp))
    for drop, names in zip(folders, _thirds(events), strict=True):
        for relative in names:
            _write_lines(drop / relative, (generated / relative).read_text(encoding="utf-8").splitlines(), stamp)
    for relative, kind in SPLIT_FILES.items():
        lines = (generated / relative).read_text(encoding="utf-8").splitlines()
        header, body = (lines[:1], lines[1:]) if kind == "csv" else ([], lines)
        stem, suffix = relative.rsplit(".", 1)
        for index, (drop, part) in enumerate(zip(folders, _thirds(body), strict=True)):
            _write_lines(drop / f"{stem}_part{index + 1}.{suffix}", header + part, stamp)
    first_tickets = _thirds((generated / "support/zendesk_tickets.jsonl").read_text(encoding="utf-8").splitlines())[0]
    updates = folders[2] / "support/zendesk_tickets_updates.jsonl"
    _write_lines(updates, _ticket_updates(first_tickets), stamp + 3600)
    return folders


def _start_build(exports: Path, warehouse: Path, dagster_home: Path) -> subprocess.Popen:
    """``journey build`` in a process group of its own (so dbt dies with it), output piped for ``_kill_when``."""
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    env.pop(KILL_HOOK, None)
    command = [sys.executable, "-m", "dagster_project.cli", "build", "--exports", str(exports)]
    return subprocess.Popen(
        [*command, "--warehouse", str(warehouse), "--log-level", "INFO"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _add(drop: Path, exports: Path) -> None:
    shutil.copytree(drop, exports, dirs_exist_ok=True, copy_function=shutil.copy2)


def _contents(warehouse: Path) -> dict[str, list[tuple]]:
    """Every mart and every incremental staging table, rows sorted; a removed file's audit row aside
    (an incremental build records that it took the file's rows out, a build from scratch never saw it)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            ("marts", row[0])
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'BASE TABLE' order by 1"
            ).fetchall()
        ] + [("staging", model) for model in INCREMENTAL_MODELS]
        contents = {}
        for schema, name in names:
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
                    "order by ordinal_position",
                    [schema, name],
                ).fetchall()
                if row[0] not in RUN_SPECIFIC_COLUMNS
            ]
            select = ", ".join('"' + column + '"' for column in columns)
            where = " where status <> 'removed'" if name == "mart_load_audit" else ""
            rows = con.execute(f"select {select} from {schema}.{name}{where}").fetchall()
            contents[f"{schema}.{name}"] = sorted((tuple(map(_comparable, row)) for row in rows), key=repr)
        return contents


def _comparable(value):
    """A value as compared: a double to 12 significant digits. A sum or average of doubles depends on
    the order rows are added in, which differs between a table appended to and one built at once
    (87.64615384615385 against 87.64615384615384); decimals, integers and text compare exactly."""
    return float(f"{value:.12g}") if isinstance(value, float) else value


# Marts that only the generic profile fills (its churn_events.csv): the generated tool exports have
# no churn-event file, so these are empty in both builds and compared as such.
GENERIC_PROFILE_ONLY = {"marts.mart_churn_reasons"}


def _assert_same(incremental: Path, full: Path) -> None:
    got, expected = _contents(incremental), _contents(full)
    assert sorted(got) == sorted(expected)
    for name, rows in expected.items():
        proves_something = rows or name in GENERIC_PROFILE_ONLY
        assert proves_something, f"{name} is empty in the full build: the comparison would prove nothing"
        assert got[name] == rows, f"{name} differs from a full build of the same folder"


def _built(exports: Path, warehouse: Path) -> None:
    result = build(exports, warehouse)
    assert result.success, f"{result.failed_steps} {result.failed_checks}"


def _files_read(warehouse: Path, model: str) -> set[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"select source_file from staging.{model}__files_read where table_name is not null")
        return {row[0] for row in rows.fetchall()}


def _run_modes(warehouse: Path) -> dict[str, str]:
    """How the last build built each incremental model: ``incremental`` (new files only) or ``full``."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            model: con.execute(f"select run_mode from staging.{model}__files_read where table_name is null").fetchall()[
                0
            ][0]
            for model in INCREMENTAL_MODELS
        }


def test_builds_over_three_drops_with_a_crash_and_a_replaced_and_removed_file_equal_full_builds(drops, tmp_path):
    exports = tmp_path / "exports"
    warehouse = tmp_path / "incremental" / "journey.duckdb"
    dagster_home = tmp_path / "dagster_home"

    _add(drops[0], exports)
    _built(exports, warehouse)
    assert _run_modes(warehouse) == dict.fromkeys(INCREMENTAL_MODELS, "full")
    first = _files_read(warehouse, "stg_product__events")
    assert first == {path.relative_to(drops[0]).as_posix() for path in (drops[0] / "product").glob("*.jsonl")}

    # Drop 2: killed once the incremental events model is committed, then built again.
    _add(drops[1], exports)
    process = _start_build(exports, warehouse, dagster_home)
    lines = _kill_when(process, KILL_MARKER)
    assert process.returncode == -signal.SIGKILL, "".join(lines[-30:])
    assert any(KILL_MARKER in line for line in lines), "".join(lines[-50:])
    _release_the_killed_run(dagster_home)
    _built(exports, warehouse)

    # Drop 3 (with newer and older versions of first-drop tickets): equal to a build from scratch.
    _add(drops[2], exports)
    _built(exports, warehouse)
    assert _run_modes(warehouse) == dict.fromkeys(INCREMENTAL_MODELS, "incremental")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        subjects = {row[0] for row in con.execute("select subject from staging.stg_zendesk__tickets").fetchall()}
    assert "newer version" in subjects and "older version" not in subjects
    full_exports = tmp_path / "full_exports"
    for drop in drops:
        _add(drop, full_exports)
    full = tmp_path / "full" / "journey.duckdb"
    _built(full_exports, full)
    _assert_same(warehouse, full)

    # A file whose content is replaced and a file removed: the models rebuild in full, same marts.
    replaced = exports / "support/zendesk_tickets_part2.jsonl"
    lines = replaced.read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[0])
    changed["subject"] = "replaced content"
    _write_lines(replaced, [json.dumps(changed), *lines[1:-3]], replaced.stat().st_mtime)
    removed = sorted((drops[1] / "product").glob("*.jsonl"))[0].relative_to(drops[1])
    (exports / removed).unlink()
    _built(exports, warehouse)
    assert _run_modes(warehouse) == {
        "stg_product__events": "full",  # a file it read is gone
        "stg_zendesk__tickets": "full",  # a file it read holds other content
        "stg_zendesk__ticket_metrics": "incremental",  # its files did not change
    }
    assert removed.as_posix() not in _files_read(warehouse, "stg_product__events")
    shutil.rmtree(full_exports)
    shutil.copytree(exports, full_exports, copy_function=shutil.copy2)
    full_again = tmp_path / "full_again" / "journey.duckdb"
    _built(full_exports, full_again)
    _assert_same(warehouse, full_again)
