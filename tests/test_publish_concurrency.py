"""A reader and builds at the same time: the reader never errors, never waits on a build, and always
sees one complete publication; a failed build leaves the last good publication as it was.

The sequence (one module fixture, three builds of the mini fixture into one warehouse):
1. the session's shared build of the mini exports (a copy) → publication A;
2. a reader process starts (it keeps one connection open on A for the whole test and also reopens
   ``marts.duckdb`` and the Parquet files in a loop) while the warehouse is rebuilt from the mini
   exports plus two more CRM companies → publication B (dim_accounts has two rows more);
3. a build with a file missing its required column fails → publication B is left untouched.
"""

from __future__ import annotations

import csv
import itertools
import json
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import MINI_EXPORTS, build

pytestmark = pytest.mark.slow

READER = textwrap.dedent(
    """
    import json, sys, time, traceback
    from pathlib import Path
    import duckdb

    folder, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    published, parquet = folder / "marts.duckdb", folder / "parquet"

    def read_duckdb(con):
        ledger = dict(con.execute("select mart, row_count from meta.publication").fetchall())
        ids = con.execute("select distinct publication_id from meta.publication").fetchall()
        tables = {row[0] for row in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'main'").fetchall()}
        counts = {mart: con.execute(f'select count(*) from main."{mart}"').fetchall()[0][0]
                  for mart in sorted(tables)}
        return {"ids": [row[0] for row in ids], "ledger": ledger, "counts": counts}

    def read_parquet():
        # a reader of several files follows the pointer once per pass (publications/current), as the
        # serving docs say: two opens of one stable path can straddle a switch
        folder_now = parquet.resolve()
        manifest = json.loads((folder_now / "_publication.json").read_text())
        files = {}
        with duckdb.connect() as con:
            for mart in manifest["marts"]:
                path = folder_now / f"{mart}.parquet"
                rows = con.execute(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
                kv = dict(con.execute(
                    f"select decode(key), decode(value) from parquet_kv_metadata('{path}')").fetchall())
                files[mart] = {"rows": rows, "publication_id": kv.get("publication_id")}
        return {"manifest_id": manifest["publication_id"],
                "manifest": {m: v["rows"] for m, v in manifest["marts"].items()}, "files": files}

    # DuckDB shares one database instance per file within a process, so the connection held open
    # and the connections reopened every pass live in two reader processes
    mode = sys.argv[4]
    held = duckdb.connect(str(published), read_only=True) if mode == "hold" else None
    with out.open("w") as log:
        while not stop.exists():
            record = {"at": time.time(), "mode": mode}
            try:
                if held is not None:
                    record["duckdb"] = read_duckdb(held)
                else:
                    with duckdb.connect(str(published), read_only=True) as con:
                        record["duckdb"] = read_duckdb(con)
                    record["parquet"] = read_parquet()
            except Exception:
                record["error"] = traceback.format_exc()
            log.write(json.dumps(record) + "\\n")
            log.flush()
            time.sleep(0.05)
    if held is not None:
        held.close()
    """
)


def add_companies(exports: Path, name: str, rows: list[dict[str, str]], header: list[str]) -> None:
    with (exports / "crm" / name).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def crm_company_ids(exports: Path) -> set[str]:
    ids: set[str] = set()
    for path in (exports / "crm").glob("*companies*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            ids |= {row["Record ID"] for row in csv.DictReader(handle) if "Record ID" in row}
    return ids


def publication_files(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    names = ["marts.duckdb", "journey_map.html"] + [
        f"parquet/{path.name}" for path in sorted((folder / "parquet").iterdir())
    ]
    return {
        name: ((folder / name).stat().st_ino, (folder / name).stat().st_mtime_ns, (folder / name).read_bytes())
        for name in names
    }


@pytest.fixture(scope="module")
def concurrent_run(mini_warehouse, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("concurrent")
    exports = root / "exports"
    shutil.copytree(MINI_EXPORTS, exports)

    # publication A: the session's shared build of the mini exports (a copy of its folder; the ledger
    # names files relative to the exports folder, so the copy of the exports is the same input)
    shutil.copytree(mini_warehouse.parent, root / "warehouse", symlinks=True)
    warehouse = root / "warehouse" / mini_warehouse.name
    folder = warehouse.parent
    first_ids = crm_company_ids(exports)

    add_companies(
        exports,
        "hubspot-companies-extra.csv",
        [
            {"Record ID": "990001", "Company name": "Reader Test One", "Create Date": "2024-02-01 09:00"},
            {"Record ID": "990002", "Company name": "Reader Test Two", "Create Date": "2024-02-02 09:00"},
        ],
        ["Record ID", "Company name", "Create Date"],
    )
    stop = root / "stop"
    logs = {mode: root / f"reader_{mode}.jsonl" for mode in ("hold", "fresh")}
    readers = [
        subprocess.Popen([sys.executable, "-c", READER, str(folder), str(log), str(stop), mode])
        for mode, log in logs.items()
    ]
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            log.exists() and log.read_text().strip() for log in logs.values()
        ):
            time.sleep(0.2)
        started = time.monotonic()
        second = build(exports, warehouse)
        second_seconds = time.monotonic() - started
        time.sleep(1.0)
    finally:
        stop.touch()
        exits = [reader.wait(timeout=120) for reader in readers]
    after_second = publication_files(folder)

    add_companies(exports, "hubspot-companies-broken.csv", [{"Company name": "No Id"}], ["Company name"])
    third = build(exports, warehouse)

    return {
        "folder": folder,
        "first_ids": first_ids,
        "second_ids": crm_company_ids(exports),
        "second": second,
        "second_seconds": second_seconds,
        "third": third,
        "after_second": after_second,
        "after_third": publication_files(folder),
        "reader_exits": exits,
        "records": [json.loads(line) for line in logs["fresh"].read_text().splitlines()],
        "held_records": [json.loads(line) for line in logs["hold"].read_text().splitlines()],
    }


def test_the_reader_never_errors_and_the_build_is_not_blocked(concurrent_run):
    second = concurrent_run["second"]
    assert second.success, f"the build next to a reader failed: {second.failed_steps} {second.failed_checks}"
    assert concurrent_run["reader_exits"] == [0, 0]
    records = concurrent_run["records"] + concurrent_run["held_records"]
    errors = [record["error"] for record in records if "error" in record]
    assert errors == []
    reads = len(concurrent_run["records"])
    assert reads >= 10, f"the reader only read {reads} times during a {second.seconds:.0f}s build"


def test_the_reader_always_sees_one_complete_publication(concurrent_run):
    records = concurrent_run["records"]
    for record in records + concurrent_run["held_records"]:
        state = record["duckdb"]
        assert len(state["ids"]) == 1, f"{record['mode']}: a mix of publications {state['ids']}"
        assert state["counts"] == state["ledger"], f"{record['mode']}: row counts differ from the ledger"
    for record in records:
        parquet = record["parquet"]
        assert set(parquet["files"]) == set(parquet["manifest"])
    # the reader saw the publication change while it read
    fresh_ids = [record["duckdb"]["ids"][0] for record in records]
    assert len(set(fresh_ids)) == 2, "the reader did not see the second publication arrive"
    changes = sum(1 for before, after in itertools.pairwise(fresh_ids) if before != after)
    assert changes == 1, "the publication must change once, forward, never back"
    # the connection held open from the start kept reading the first publication, whole
    held = concurrent_run["held_records"]
    assert len(held) >= 10
    assert {record["duckdb"]["ids"][0] for record in held} == {fresh_ids[0]}


def test_each_parquet_file_is_complete_for_its_publication(concurrent_run):
    manifests: dict[str, dict[str, int]] = {}
    for record in concurrent_run["records"]:
        manifests[record["parquet"]["manifest_id"]] = record["parquet"]["manifest"]
    last_duckdb = concurrent_run["records"][-1]["duckdb"]
    manifests.setdefault(last_duckdb["ids"][0], last_duckdb["ledger"])
    for record in concurrent_run["records"]:
        for mart, seen in record["parquet"]["files"].items():
            assert seen["publication_id"] in manifests, f"{mart}: unknown publication {seen['publication_id']}"
            assert seen["rows"] == manifests[seen["publication_id"]][mart], f"{mart}: incomplete file"


def test_the_new_publication_holds_the_new_companies(concurrent_run):
    records = concurrent_run["records"]
    first, last = records[0]["duckdb"]["counts"], records[-1]["duckdb"]["counts"]
    new_ids = concurrent_run["second_ids"] - concurrent_run["first_ids"]
    assert new_ids == {"990001", "990002"}
    assert last["dim_accounts"] - first["dim_accounts"] == len(new_ids)


def test_a_failed_build_leaves_the_last_good_publication_untouched(concurrent_run):
    third = concurrent_run["third"]
    assert not third.success, "a companies file without Record ID should fail the build"
    assert any("raw" in step or "companies" in step for step in third.failed_steps + third.failed_checks)
    assert concurrent_run["after_third"] == concurrent_run["after_second"]
    leftovers = [path for path in concurrent_run["folder"].rglob("*") if path.name.endswith(".tmp")]
    assert leftovers == []
