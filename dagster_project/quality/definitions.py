"""The quality gate's Dagster definitions: the ledger asset and every expectation suite as asset checks.

Raw suites check the ingest assets (their ``critical`` expectations block dbt); mart suites check
the dbt marts they name (blocking publication). dbt's own tests run inside ``dbt build`` and report
as asset checks of the dbt assets.
"""

import json
from pathlib import Path

import dagster as dg

from dagster_project.ingest.definitions import defs as ingest_defs
from dagster_project.quality.checks import mart_suite_checks, raw_suite_checks
from dagster_project.quality.ledger import build_ledger_asset
from dagster_project.transform.assets import translator
from dagster_project.transform.project import dbt_project


def _ingest_keys() -> list[dg.AssetKey]:
    return sorted({key for assets in ingest_defs.assets or [] for key in assets.keys}, key=lambda key: key.path)


def _model_keys() -> dict[str, dg.AssetKey]:
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    return {
        node["name"]: translator.get_asset_spec(manifest, unique_id, dbt_project).key
        for unique_id, node in manifest["nodes"].items()
        if node.get("resource_type") == "model"
    }


ingest_keys = _ingest_keys()

defs = dg.Definitions(
    assets=[build_ledger_asset(ingest_keys)],
    asset_checks=[*raw_suite_checks(ingest_keys), *mart_suite_checks(_model_keys())],
)
