"""A build parses the dbt project only when the project changed, and dbt runs without a per-call tax.

``JourneyDbtPreparer`` skips ``dbt parse`` when the manifest was written from the same files, dbt
version and database name; ``JourneyDbtCliResource`` neither runs ``dbt --version`` nor loads an adapter
in the build process for each dbt command. Both are checked on a copy of the dbt project, so the
project's own ``target/`` is never touched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
from dagster_dbt import DbtProject

from dagster_project.settings import DBT_PROJECT_DIR
from dagster_project.transform import project as project_module
from dagster_project.transform.project import JourneyDbtCliResource, JourneyDbtPreparer

COPY_IGNORE = shutil.ignore_patterns("target*", "logs", "dbt_packages", ".user.yml")


@pytest.fixture
def dbt_copy(tmp_path, monkeypatch) -> DbtProject:
    shutil.copytree(DBT_PROJECT_DIR, tmp_path / "dbt", ignore=COPY_IGNORE)
    monkeypatch.setenv("JOURNEY_WAREHOUSE", str(tmp_path / "journey.duckdb"))
    return DbtProject(project_dir=tmp_path / "dbt", profiles_dir=tmp_path / "dbt", target_path="target")


def _parses(monkeypatch) -> list[list[str]]:
    """Record the dbt commands the preparer runs (and run them)."""
    calls: list[list[str]] = []
    real_run = subprocess.run

    def recording_run(command, *args, **kwargs):
        calls.append(list(command))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(project_module.subprocess, "run", recording_run)
    return calls


@pytest.mark.slow
def test_dbt_parse_runs_only_when_the_project_changed(dbt_copy, monkeypatch, tmp_path):
    calls = _parses(monkeypatch)
    preparer = JourneyDbtPreparer()

    preparer.prepare(dbt_copy)
    assert len(calls) == 1 and calls[0][1] == "parse"
    manifest = json.loads(dbt_copy.manifest_path.read_text(encoding="utf-8"))
    assert "model.journey_warehouse.fct_mrr_account_month" in manifest["nodes"]
    assert manifest["nodes"]["model.journey_warehouse.fct_mrr_account_month"]["database"] == "journey"

    preparer.prepare(dbt_copy)  # nothing changed: no parse
    assert len(calls) == 1

    monkeypatch.setenv("JOURNEY_WAREHOUSE", str(tmp_path / "elsewhere" / "journey.duckdb"))
    preparer.prepare(dbt_copy)  # same database name in another folder: the manifest is the same
    assert len(calls) == 1

    model = dbt_copy.project_dir / "models" / "analysts" / "analyst_extra.sql"
    model.write_text("select 1 as one\n", encoding="utf-8")
    preparer.prepare(dbt_copy)  # a new model: parsed again, and the manifest has it
    assert len(calls) == 2
    manifest = json.loads(dbt_copy.manifest_path.read_text(encoding="utf-8"))
    assert "model.journey_warehouse.analyst_extra" in manifest["nodes"]

    monkeypatch.setenv("JOURNEY_WAREHOUSE", str(tmp_path / "other.duckdb"))
    preparer.prepare(dbt_copy)  # another database name is recorded in every relation: parsed again
    assert len(calls) == 3
    manifest = json.loads(dbt_copy.manifest_path.read_text(encoding="utf-8"))
    assert manifest["nodes"]["model.journey_warehouse.analyst_extra"]["database"] == "other"


def test_a_broken_model_fails_the_parse_naming_it(dbt_copy, monkeypatch):
    (dbt_copy.project_dir / "models" / "analysts" / "analyst_broken.sql").write_text(
        "select {{ ref('no_such_model') }}\n", encoding="utf-8"
    )
    with pytest.raises(RuntimeError, match="dbt parse failed") as raised:
        JourneyDbtPreparer().prepare(dbt_copy)
    assert "no_such_model" in str(raised.value)
    assert not (dbt_copy.project_dir / "target" / project_module.PARSE_STATE_FILE).exists()


def test_the_dbt_resource_spawns_no_version_process_and_loads_no_adapter(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError(f"unexpected subprocess: {args}")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", forbidden)
    resource = JourneyDbtCliResource(project_dir=os.fspath(DBT_PROJECT_DIR))
    assert str(resource._cli_version) == version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None
    assert Path(project_module.dbt_executable()).name == "dbt"
