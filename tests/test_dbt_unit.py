"""Every dbt unit test, run here rather than in each production build.

Unit tests check a model's SQL on fixed inputs (movement classification, the stage ladder, NPS
buckets, ...): their result cannot change with the exports, so `journey build` leaves them out
(``transform.assets.PRODUCTION_BUILD_ARGS``) and this test runs them all against a copy of the mini
warehouse (dbt needs the upstream relations to exist to know their column types).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.transform.assets import PRODUCTION_BUILD_ARGS


def _unit_test_names() -> set[str]:
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))
    return {node["name"] for node in manifest.get("unit_tests", {}).values()}


def test_production_builds_leave_unit_tests_out():
    assert PRODUCTION_BUILD_ARGS == ("--exclude-resource-type", "unit_test")


def test_every_dbt_unit_test_passes(mini_warehouse, tmp_path):
    expected = _unit_test_names()
    assert len(expected) >= 20, "the project's dbt unit tests are found in the manifest"
    warehouse = tmp_path / "journey.duckdb"
    shutil.copyfile(mini_warehouse, warehouse)
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt), "test", "--select", "test_type:unit",
        "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
    ]  # fmt: skip
    result = subprocess.run(
        command, env={**os.environ, "JOURNEY_WAREHOUSE": str(warehouse)}, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))
    ran = {entry["unique_id"].split(".")[-1] for entry in results["results"] if entry["status"] == "pass"}
    assert ran == expected
