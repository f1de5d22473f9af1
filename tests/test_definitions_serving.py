"""The Dagster UI's view of the project: groups by source, staging and domain, descriptions, checks on their
assets, the serving assets downstream of every mart, the daily schedule and the exports sensor."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.definitions import defs
from dagster_project.publish.assets import PUBLISHED_MARTS_KEY
from dagster_project.publish.automation import (
    SETTLE_SECONDS,
    evaluate_exports,
    new_exports_sensor,
    snapshot_exports,
)
from dagster_project.report.assets import JOURNEY_MAP_KEY
from dagster_project.resources import WarehouseResource
from dagster_project.transform.project import dbt_project


@pytest.fixture(scope="module")
def asset_graph():
    return defs.resolve_asset_graph()


def marts_in_manifest() -> set[str]:
    manifest = json.loads(Path(dbt_project.manifest_path).read_text())
    return {
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }


def test_the_publication_waits_for_every_mart(asset_graph):
    upstream = {key.path[-1] for key in asset_graph.get(PUBLISHED_MARTS_KEY).parent_keys}
    assert marts_in_manifest() and upstream == marts_in_manifest()
    assert asset_graph.get(JOURNEY_MAP_KEY).parent_keys == {PUBLISHED_MARTS_KEY}


def test_assets_are_grouped_by_source_and_layer_and_described(asset_graph):
    groups = {asset_graph.get(key).group_name for key in asset_graph.materializable_asset_keys}
    # the exact grouping is tests/test_asset_keys.py's; here: the ends of the flow and no default group
    assert {"exports", "staging", "revenue", "core", "publish"} <= groups
    assert None not in groups and "default" not in groups
    undescribed = [
        key.to_user_string()
        for key in asset_graph.materializable_asset_keys
        if not (asset_graph.get(key).description or "").strip()
    ]
    assert undescribed == []


def test_checks_are_attached_to_their_assets(asset_graph):
    check_keys = list(asset_graph.asset_check_keys)
    assert check_keys, "no asset checks: dbt tests should show as checks on their models"
    checked_assets = {check.asset_key for check in check_keys}
    assert {dg.AssetKey(["marts", "mart_mrr_monthly"]), dg.AssetKey(["marts", "dim_accounts"])} <= checked_assets
    assert checked_assets <= set(asset_graph.get_all_asset_keys())


def test_serving_assets_are_in_the_warehouse_pool_where_they_read_it():
    published = defs.resolve_assets_def(PUBLISHED_MARTS_KEY)
    assert published.op.pool == "warehouse"


def test_a_daily_schedule_and_an_exports_sensor_start_the_full_build():
    schedule = defs.resolve_schedule_def("daily_build")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.execution_timezone == "UTC"
    assert schedule.job_name == "journey_build"
    sensor = defs.resolve_sensor_def("new_exports_sensor")
    assert sensor.job_name == "journey_build"
    job = defs.resolve_job_def("journey_build")
    assert set(job.asset_layer.selected_asset_keys) == set(defs.resolve_asset_graph().materializable_asset_keys)


def write(path: Path, text: str, age_seconds: float = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    moment = time.time() - age_seconds
    os.utime(path, (moment, moment))


def test_sensor_decisions(tmp_path: Path):
    exports = tmp_path / "exports"
    empty = snapshot_exports(exports)
    assert not evaluate_exports(empty, None, False, time.time()).build

    write(exports / "crm" / "companies.csv", "Record ID\n1\n", age_seconds=3600)
    write(exports / "crm" / ".hidden.csv", "ignored", age_seconds=3600)
    first = snapshot_exports(exports)
    assert first.files == 1
    assert evaluate_exports(first, None, False, time.time()).build  # no warehouse yet: build
    on_start = evaluate_exports(first, None, True, time.time())
    assert not on_start.build and on_start.remember  # a built warehouse: only remember
    assert not evaluate_exports(first, first.fingerprint, True, time.time()).build

    write(exports / "billing" / "invoices.jsonl", "{}\n")  # a file still arriving
    arriving = snapshot_exports(exports)
    assert arriving.fingerprint != first.fingerprint
    waiting = evaluate_exports(arriving, first.fingerprint, True, time.time())
    assert not waiting.build and not waiting.remember and "settle" in waiting.reason
    later = evaluate_exports(arriving, first.fingerprint, True, time.time() + SETTLE_SECONDS + 1)
    assert later.build and later.remember


def test_the_sensor_requests_a_build_for_new_files(tmp_path: Path):
    exports, warehouse = tmp_path / "exports", tmp_path / "warehouse" / "journey.duckdb"
    resource = WarehouseResource(exports=str(exports), warehouse=str(warehouse))
    write(exports / "surveys" / "nps.csv", "response_id\n", age_seconds=600)
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources={"warehouse": resource})
        first = new_exports_sensor(context)
        assert isinstance(first, dg.RunRequest)
        cursor = context.cursor
        assert cursor
        again = new_exports_sensor(
            dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": resource})
        )
        assert isinstance(again, dg.SkipReason)
        write(exports / "surveys" / "nps-2.csv", "response_id\n", age_seconds=600)
        changed = new_exports_sensor(
            dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": resource})
        )
        assert isinstance(changed, dg.RunRequest) and changed.run_key != first.run_key


@pytest.mark.slow
def test_make_dev_loads_the_code_location(tmp_path: Path):
    """`make dev` runs `dg dev -m dagster_project.definitions`: the module must load as a code
    location (Dagster refuses a module with more than one Definitions object at module scope)."""
    import subprocess
    import sys

    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("dagster")),
            "definitions",
            "validate",
            "-m",
            "dagster_project.definitions",
        ],
        env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-3000:]
