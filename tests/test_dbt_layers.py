"""dbt layers flow one way (issue 11), checked on dbt/target/manifest.json so it stays true.

staging        reads sources (and seeds): the only layer that calls source()
intermediate   reads staging, intermediate and seeds: the business rules, never a mart
marts          read intermediate, marts and seeds: thin contracted projections, never staging
semantic, analysts  read marts only

A model's layer is the first folder under dbt/models/. ``layer_violations`` names each model that
reads across the rules, what it reads and what its layer may read instead. Intermediate models sit
in the folder of their metric family (models/intermediate/revenue/, lifecycle/, ...; core/ for what
every family shares), as in fivetran's dbt_zendesk.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from dagster_project.settings import DBT_PROJECT_DIR

MAY_READ: dict[str, set[str]] = {
    "staging": {"source", "seed"},
    "intermediate": {"staging", "intermediate", "seed"},
    "marts": {"intermediate", "marts", "seed"},
    "semantic": {"marts"},
    "analysts": {"marts"},
}


def layer_of(node: dict[str, Any]) -> str:
    """`source`, `seed`, or a model's first folder under models/ (`marts` for models/marts/revenue/x.sql)."""
    if node["resource_type"] in ("source", "seed"):
        return node["resource_type"]
    parts = PurePosixPath(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else node["original_file_path"]


def _reference(node: dict[str, Any]) -> str:
    if node["resource_type"] == "source":
        return f"source('{node['source_name']}', '{node['name']}')"
    return f"ref('{node['name']}')"


def layer_violations(manifest: dict[str, Any]) -> list[str]:
    """One line per model that reads a node its layer may not read (empty when the layers hold)."""
    resources = {**manifest.get("nodes", {}), **manifest.get("sources", {})}
    problems = []
    for unique_id in sorted(manifest.get("nodes", {})):
        node = manifest["nodes"][unique_id]
        if node["resource_type"] != "model":
            continue
        path, layer = node["original_file_path"], layer_of(node)
        if layer not in MAY_READ:
            problems.append(f"{path}: outside the layers; move it under models/ one of {', '.join(MAY_READ)}")
            continue
        if layer == "intermediate" and len(PurePosixPath(path).parts) < 4:
            problems.append(f"{path}: move it into the folder of its metric family, models/intermediate/<family>/")
        allowed = ", ".join(sorted(MAY_READ[layer]))
        for parent_id in node["depends_on"]["nodes"]:
            parent = resources[parent_id]
            parent_layer = layer_of(parent)
            if parent_layer not in MAY_READ[layer]:
                problems.append(
                    f"{path} ({layer}) reads {_reference(parent)} ({parent_layer}); "
                    f"{layer} models may read only: {allowed}"
                )
    return problems


# --- synthetic manifests: the check fails on each kind of violation ---------------------------------
def _model(name: str, path: str, *parents: str) -> tuple[str, dict[str, Any]]:
    node = {
        "resource_type": "model",
        "name": name,
        "original_file_path": path,
        "depends_on": {"nodes": list(parents)},
    }
    return f"model.journey_warehouse.{name}", node


def _manifest(*models: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    seed = {"resource_type": "seed", "name": "fx_rates", "original_file_path": "seeds/fx_rates.csv"}
    source = {
        "resource_type": "source",
        "source_name": "billing",
        "name": "stripe_invoices",
        "original_file_path": "models/staging/billing/_billing__sources.yml",
    }
    return {
        "nodes": {"seed.journey_warehouse.fx_rates": seed, **dict(models)},
        "sources": {"source.journey_warehouse.billing.stripe_invoices": source},
    }


SOURCE = "source.journey_warehouse.billing.stripe_invoices"
SEED = "seed.journey_warehouse.fx_rates"
STG = _model("stg_stripe__invoices", "models/staging/billing/stg_stripe__invoices.sql", SOURCE)
INT = _model("int_mrr", "models/intermediate/revenue/int_mrr.sql", STG[0], SEED)
FCT = _model("fct_mrr", "models/marts/revenue/fct_mrr.sql", INT[0])
MART = _model("mart_mrr", "models/marts/revenue/mart_mrr.sql", FCT[0], INT[0], SEED)
SEM = _model("sem_mrr", "models/semantic/sem_mrr.sql", FCT[0])
ANALYST = _model("analyst_mrr", "models/analysts/analyst_mrr.sql", MART[0])
CLEAN = (STG, INT, FCT, MART, SEM, ANALYST)


def test_a_graph_that_flows_one_way_passes():
    assert layer_violations(_manifest(*CLEAN)) == []


def test_an_intermediate_model_that_reads_a_mart_fails():
    bad = _model("int_lifecycle", "models/intermediate/lifecycle/int_lifecycle.sql", INT[0], FCT[0])
    assert layer_violations(_manifest(*CLEAN, bad)) == [
        "models/intermediate/lifecycle/int_lifecycle.sql (intermediate) reads ref('fct_mrr') (marts); "
        "intermediate models may read only: intermediate, seed, staging"
    ]


def test_a_mart_that_reads_staging_fails():
    bad = _model("mart_phases", "models/marts/lifecycle/mart_phases.sql", FCT[0], STG[0])
    assert layer_violations(_manifest(*CLEAN, bad)) == [
        "models/marts/lifecycle/mart_phases.sql (marts) reads ref('stg_stripe__invoices') (staging); "
        "marts models may read only: intermediate, marts, seed"
    ]


def test_source_outside_staging_fails():
    bad_int = _model("int_referrals", "models/intermediate/lifecycle/int_referrals.sql", SOURCE)
    bad_mart = _model("mart_audit", "models/marts/audit/mart_audit.sql", INT[0], SOURCE)
    assert layer_violations(_manifest(*CLEAN, bad_int, bad_mart)) == [
        "models/intermediate/lifecycle/int_referrals.sql (intermediate) reads source('billing', 'stripe_invoices') "
        "(source); intermediate models may read only: intermediate, seed, staging",
        "models/marts/audit/mart_audit.sql (marts) reads source('billing', 'stripe_invoices') (source); "
        "marts models may read only: intermediate, marts, seed",
    ]


def test_a_staging_model_that_reads_another_staging_model_fails():
    bad = _model("stg_stripe__invoice_lines", "models/staging/billing/stg_stripe__invoice_lines.sql", STG[0])
    assert layer_violations(_manifest(*CLEAN, bad)) == [
        "models/staging/billing/stg_stripe__invoice_lines.sql (staging) reads ref('stg_stripe__invoices') "
        "(staging); staging models may read only: seed, source"
    ]


def test_semantic_and_analyst_models_that_read_below_the_marts_fail():
    bad_sem = _model("sem_raw", "models/semantic/sem_raw.sql", INT[0])
    bad_analyst = _model("analyst_raw", "models/analysts/analyst_raw.sql", STG[0], SEED)
    assert layer_violations(_manifest(*CLEAN, bad_sem, bad_analyst)) == [
        "models/analysts/analyst_raw.sql (analysts) reads ref('stg_stripe__invoices') (staging); "
        "analysts models may read only: marts",
        "models/analysts/analyst_raw.sql (analysts) reads ref('fx_rates') (seed); analysts models may read only: marts",
        "models/semantic/sem_raw.sql (semantic) reads ref('int_mrr') (intermediate); "
        "semantic models may read only: marts",
    ]


def test_a_model_outside_the_layer_folders_fails():
    stray = _model("orphan", "models/orphan.sql", STG[0])
    other = _model("scratch", "models/scratch/scratch.sql", FCT[0])
    assert layer_violations(_manifest(*CLEAN, stray, other)) == [
        "models/orphan.sql: outside the layers; move it under models/ one of staging, intermediate, marts, "
        "semantic, analysts",
        "models/scratch/scratch.sql: outside the layers; move it under models/ one of staging, intermediate, "
        "marts, semantic, analysts",
    ]


def test_an_intermediate_model_outside_a_family_folder_fails():
    loose = _model("int_loose", "models/intermediate/int_loose.sql", STG[0])
    assert layer_violations(_manifest(*CLEAN, loose)) == [
        "models/intermediate/int_loose.sql: move it into the folder of its metric family, models/intermediate/<family>/"
    ]


# --- the project's own manifest ------------------------------------------------------------------
def _project_manifest() -> dict[str, Any]:
    return json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_the_project_models_flow_one_way():
    manifest = _project_manifest()
    models = [node for node in manifest["nodes"].values() if node["resource_type"] == "model"]
    layers = {layer_of(node) for node in models}
    assert layers == set(MAY_READ), "every layer has models, so the check below is not vacuous"
    assert layer_violations(manifest) == []


def test_the_mrr_rule_lives_in_intermediate_and_the_mart_projects_it():
    manifest = _project_manifest()
    nodes = manifest["nodes"]
    rule = nodes["model.journey_warehouse.int_mrr_account_months"]
    mart = nodes["model.journey_warehouse.fct_mrr_account_month"]
    assert rule["original_file_path"] == "models/intermediate/revenue/int_mrr_account_months.sql"
    assert mart["depends_on"]["nodes"] == ["model.journey_warehouse.int_mrr_account_months"]
    unit_tests = {test["name"]: test["model"] for test in manifest["unit_tests"].values()}
    movement_tests = {name for name, model in unit_tests.items() if name.startswith("mrr_movements")}
    assert movement_tests and all(unit_tests[name] == "int_mrr_account_months" for name in movement_tests)
    readers = {
        node["name"]
        for node in nodes.values()
        if "model.journey_warehouse.int_mrr_account_months" in node.get("depends_on", {}).get("nodes", [])
        and node["resource_type"] == "model"
    }
    assert {
        "fct_mrr_account_month",
        "dim_accounts",
        "fct_nps_responses",
        "int_lifecycle_stage_evidence",
        "int_account_status_changes",
        "int_engagement_account_months",
    } <= readers
