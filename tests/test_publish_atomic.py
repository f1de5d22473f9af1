"""One publication is one folder behind one pointer: a reader sees the old set or the new set.

Each test publishes a small hand-made warehouse (fast). The kill test runs the publication in a
child process and SIGKILLs it at every step (``JOURNEY_TEST_KILL_PUBLISH_AT``), then reads the
stable paths BI tools use and checks that every file belongs to one publication, the old one before
the pointer switch and the new one after it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.publish import publisher
from dagster_project.publish.publisher import (
    CURRENT_POINTER,
    KILL_ENV,
    KILL_POINTS,
    PUBLICATIONS_FOLDER,
    current_publication,
    publication_summary,
    publish_marts,
)
from dagster_project.settings import REPO_ROOT
from tests.test_publish import SMALL_MARTS, make_warehouse

# the steps before the pointer switch leave the old publication live; the steps after it, the new
BEFORE_SWITCH = {"staged", "renamed", "pointer_staged"}


def read_stable_paths(publish_dir: Path) -> dict[str, object]:
    """What a reader of ``marts.duckdb`` and ``parquet/`` sees: every publication id it meets and
    every mart's row count, from the DuckDB file and from each Parquet file."""
    with duckdb.connect(str(publish_dir / "marts.duckdb"), read_only=True) as con:
        ledger = dict(con.execute("select mart, row_count from meta.publication").fetchall())
        ids = {row[0] for row in con.execute("select distinct publication_id from meta.publication").fetchall()}
        counts = {mart: con.execute(f'select count(*) from main."{mart}"').fetchall()[0][0] for mart in ledger}
    manifest = json.loads((publish_dir / "parquet" / "_publication.json").read_text())
    ids.add(manifest["publication_id"])
    parquet_counts = {}
    with duckdb.connect() as con:
        for path in sorted((publish_dir / "parquet").glob("*.parquet")):
            kv = dict(con.execute(f"select decode(key), decode(value) from parquet_kv_metadata('{path}')").fetchall())
            ids.add(kv["publication_id"])
            parquet_counts[path.stem] = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
    return {"ids": ids, "ledger": ledger, "counts": counts, "parquet": parquet_counts, "manifest": manifest}


def publication_folders(publish_dir: Path) -> list[str]:
    return sorted(path.name for path in (publish_dir / PUBLICATIONS_FOLDER).iterdir())


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return make_warehouse(tmp_path / "warehouse" / "journey.duckdb", SMALL_MARTS)


def grow_a_mart(warehouse: Path) -> None:
    """Change the warehouse so the next publication differs: three more things, one more mart."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into marts.dim_things select 'thing-new-' || range from range(3)")
        con.execute("create or replace table marts.mart_added as select 1 as one")


def test_each_publication_is_a_folder_and_the_stable_paths_follow_one_pointer(warehouse: Path, tmp_path: Path):
    target = tmp_path / "published"
    first = publish_marts(warehouse, target)
    grow_a_mart(warehouse)
    second = publish_marts(warehouse, target)

    assert os.readlink(target / "marts.duckdb") == "publications/current/marts.duckdb"
    assert os.readlink(target / "parquet") == "publications/current/parquet"
    assert os.readlink(target / PUBLICATIONS_FOLDER / CURRENT_POINTER) == second.publication_id
    assert current_publication(target) == target / PUBLICATIONS_FOLDER / second.publication_id
    assert second.folder == target / PUBLICATIONS_FOLDER / second.publication_id
    assert publication_folders(target) == sorted([first.publication_id, second.publication_id, CURRENT_POINTER])

    seen = read_stable_paths(target)
    assert seen["ids"] == {second.publication_id}
    assert seen["ledger"] == seen["counts"] == seen["parquet"] == {"dim_things": 10, "mart_added": 1, "mart_money": 25}
    # the previous publication is kept whole beside it
    with duckdb.connect(str(first.folder / "marts.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from dim_things").fetchall() == [(7,)]
        assert con.execute("select distinct publication_id from meta.publication").fetchall() == [
            (first.publication_id,)
        ]

    assert publication_summary(target) == {
        "marts.duckdb": target / "marts.duckdb",
        "parquet": target / "parquet",
        "live publication": second.folder,
    }
    assert publication_summary(tmp_path / "nothing_yet") == {}

    third = publish_marts(warehouse, target)
    assert publication_folders(target) == sorted([second.publication_id, third.publication_id, CURRENT_POINTER])
    assert not first.folder.exists(), "only the last two publications are kept"


def test_a_folder_of_the_earlier_per_file_layout_is_taken_over(warehouse: Path, tmp_path: Path):
    target = tmp_path / "published"
    (target / "parquet").mkdir(parents=True)
    (target / "parquet" / "old_mart.parquet").write_bytes(b"old")
    (target / "marts.duckdb").write_bytes(b"old")
    publication = publish_marts(warehouse, target)
    assert (target / "marts.duckdb").is_symlink() and (target / "parquet").is_symlink()
    assert sorted(path.name for path in (target / "parquet").iterdir()) == [
        "_publication.json",
        "dim_things.parquet",
        "mart_money.parquet",
    ]
    assert read_stable_paths(target)["ids"] == {publication.publication_id}
    assert publication_folders(target) == sorted([publication.publication_id, CURRENT_POINTER])


def publish_in_a_child(warehouse: Path, target: Path, kill_at: str | None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop(KILL_ENV, None)
    if kill_at:
        env[KILL_ENV] = kill_at
    code = (
        "import sys; from pathlib import Path; from dagster_project.publish.publisher import publish_marts; "
        "print(publish_marts(Path(sys.argv[1]), Path(sys.argv[2])).publication_id)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(warehouse), str(target)], env=env, capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize("step", KILL_POINTS)
def test_a_publication_killed_at_any_step_leaves_one_whole_publication(warehouse: Path, tmp_path: Path, step: str):
    target = tmp_path / "published"
    old = publish_marts(warehouse, target)
    grow_a_mart(warehouse)

    killed = publish_in_a_child(warehouse, target, kill_at=step)
    assert killed.returncode == -signal.SIGKILL, f"the hook at {step!r} did not fire: {killed.stderr}"

    seen = read_stable_paths(target)
    assert len(seen["ids"]) == 1, f"killed at {step}: a mix of publications {seen['ids']}"
    assert seen["ledger"] == seen["counts"] == seen["parquet"]
    assert seen["manifest"]["marts"] == {
        mart: {"file": f"{mart}.parquet", "rows": n} for mart, n in seen["ledger"].items()
    }
    if step in BEFORE_SWITCH:
        assert seen["ids"] == {old.publication_id}
        assert seen["ledger"] == {"dim_things": 7, "mart_money": 25}
    else:
        assert seen["ids"] != {old.publication_id}
        assert seen["ledger"] == {"dim_things": 10, "mart_added": 1, "mart_money": 25}

    # the next publication succeeds and clears what the killed one left (partial folder, temp link)
    after = publish_in_a_child(warehouse, target, kill_at=None)
    assert after.returncode == 0, after.stderr
    new_id = after.stdout.strip().splitlines()[-1]
    assert read_stable_paths(target)["ids"] == {new_id}
    folders = publication_folders(target)
    assert CURRENT_POINTER in folders and new_id in folders
    assert len(folders) == 1 + publisher.PUBLICATIONS_KEPT
    assert not [name for name in folders if name.startswith(".")], folders
    assert not list(target.glob(".*.tmp"))
