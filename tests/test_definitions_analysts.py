"""The analyst's path (docs/analysts.md): docs for every mart column, a model of one's own built
alone against the warehouse, and the same model in Dagster's asset graph with no Python change.

Everything runs on a copy of the dbt project and of the mini fixture's warehouse, so the shared
project folder and the session's warehouse are never written.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import MINI_EXPORTS, REPO_ROOT

pytestmark = pytest.mark.slow

DBT = Path(sys.executable).with_name("dbt")
COPY_IGNORE = shutil.ignore_patterns("target*", "logs", "dbt_packages", ".user.yml")

NEW_MODEL = """
-- an analyst's model: paying accounts per country in the latest month
with

accounts as (

    select * from {{ ref('dim_accounts') }}

),

final as (

    select
        coalesce(country, 'unknown') as country,
        count(*) filter (where is_paying) as paying_accounts
    from accounts
    group by coalesce(country, 'unknown')

)

select * from final
"""
NEW_MODEL_YAML = """
version: 2
models:
  - name: analyst_paying_by_country
    description: Paying accounts per country (a test analyst model).
    columns:
      - name: country
        description: Country/Region.
        data_tests: [unique, not_null]
      - name: paying_accounts
        description: Accounts with MRR > 0 in as_of_month.
"""


@pytest.fixture(scope="module")
def analyst_project(mini_warehouse: Path, tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("analyst")
    project = root / "dbt"
    shutil.copytree(REPO_ROOT / "dbt", project, ignore=COPY_IGNORE)
    (project / "models" / "analysts" / "analyst_paying_by_country.sql").write_text(NEW_MODEL)
    (project / "models" / "analysts" / "_analyst_paying_by_country.yml").write_text(NEW_MODEL_YAML)
    warehouse = root / "warehouse" / mini_warehouse.name  # same name: views name the catalog after it
    warehouse.parent.mkdir()
    shutil.copyfile(mini_warehouse, warehouse)
    env = {**os.environ, "JOURNEY_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(project)}
    env.pop("DBT_TARGET_PATH", None)
    return {"project": project, "warehouse": warehouse, "env": env}


def dbt(analyst_project: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(DBT), *args],
        cwd=analyst_project["project"],
        env=analyst_project["env"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_dbt_docs_generate_documents_every_mart_column(analyst_project: dict):
    completed = dbt(analyst_project, "docs", "generate", "--static")
    assert completed.returncode == 0, completed.stdout[-3000:]
    target = analyst_project["project"] / "target"
    assert (target / "static_index.html").stat().st_size > 100_000
    manifest = json.loads((target / "manifest.json").read_text())
    catalog = json.loads((target / "catalog.json").read_text())
    marts = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert len(marts) >= 3
    undocumented = []
    for unique_id, node in marts.items():
        assert node["description"].strip(), f"{node['name']} has no description"
        built_columns = catalog["nodes"][unique_id]["columns"]  # what the warehouse really has
        for column in built_columns:
            described = node["columns"].get(column) or node["columns"].get(column.lower()) or {}
            if not (described.get("description") or "").strip():
                undocumented.append(f"{node['name']}.{column}")
    assert undocumented == []


def test_an_analyst_model_builds_alone_against_the_warehouse(analyst_project: dict):
    warehouse = analyst_project["warehouse"]
    completed = dbt(analyst_project, "build", "--select", "analyst_paying_by_country")
    assert completed.returncode == 0, completed.stdout[-3000:]
    results = json.loads((analyst_project["project"] / "target" / "run_results.json").read_text())["results"]
    built = {
        result["unique_id"]: result["status"] for result in results if result["unique_id"].split(".")[0] != "operation"
    }
    model = "model.journey_warehouse.analyst_paying_by_country"
    assert built.pop(model) == "success", built  # the view ...
    assert sorted(built.values()) == ["pass", "pass"], built  # ... and its two tests, and nothing else
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = dict(con.execute("select country, paying_accounts from analysts.analyst_paying_by_country").fetchall())
        paying = con.execute("select count(*) from marts.dim_accounts where is_paying").fetchall()[0][0]
    assert sum(rows.values()) == paying
    # the CRM export's countries are the countries of the accounts (read from the file, not the warehouse)
    with next((MINI_EXPORTS / "crm").glob("*companies*.csv")).open(encoding="utf-8-sig") as handle:
        countries = {row.get("Country/Region") or "unknown" for row in csv.DictReader(handle)}
    assert set(rows) <= countries | {"unknown"}


def test_the_example_analyst_model_is_in_the_project(analyst_project: dict):
    example = REPO_ROOT / "dbt" / "models" / "analysts" / "analyst_mrr_by_segment.sql"
    assert "ref('fct_mrr_account_month')" in example.read_text()
    with duckdb.connect(str(analyst_project["warehouse"]), read_only=True) as con:
        by_segment = con.execute(
            "select month, sum(mrr) from analysts.analyst_mrr_by_segment group by month"
        ).fetchall()
        ending = dict(con.execute("select month, ending_mrr from marts.mart_mrr_monthly").fetchall())
    assert by_segment and all(total == ending[month] for month, total in by_segment)


def test_the_analyst_model_appears_in_dagster_with_no_python_change(analyst_project: dict):
    parsed = dbt(analyst_project, "parse", "--quiet")
    assert parsed.returncode == 0, parsed.stdout[-3000:]
    script = f"""
import json
import dagster as dg
from dagster_dbt import DbtCliResource, DbtProject, dbt_assets
from dagster_project.transform.assets import translator

project = DbtProject(project_dir={str(analyst_project["project"])!r})

@dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=translator)
def models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()

found = {{key.to_user_string(): models.group_names_by_key[key] for key in models.keys}}
parents = {{
    key.to_user_string(): sorted(dep.to_user_string() for dep in deps)
    for key, deps in models.asset_deps.items()
}}
print(json.dumps({{"groups": found, "parents": parents}}))
"""
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=analyst_project["env"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    graph = json.loads(completed.stdout.strip().splitlines()[-1])
    new_keys = [key for key in graph["groups"] if key.endswith("analyst_paying_by_country")]
    assert len(new_keys) == 1
    assert graph["groups"][new_keys[0]] == "analysts"
    assert any(parent.endswith("dim_accounts") for parent in graph["parents"][new_keys[0]])
