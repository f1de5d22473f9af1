"""Serving asset: the published marts (DuckDB + Parquet); the journey-map report is ``report.assets``.

``published_marts`` depends on every dbt model in schema ``marts`` (discovered in the dbt manifest),
so Dagster runs it only when all of them materialised in the run and their blocking checks passed;
otherwise it is skipped and the last good publication stays as it was.
"""

import dagster as dg

from dagster_project.publish.publisher import (
    MARTS_SCHEMA,
    docs_from_manifest,
    policy_from_environment,
    protect_warehouse,
    publish_marts,
)
from dagster_project.resources import WarehouseResource
from dagster_project.settings import WAREHOUSE_POOL
from dagster_project.transform.assets import translator
from dagster_project.transform.project import dbt_manifest, dbt_project

# the publication and the report drawn from it: the last group of the lineage view
SERVING_GROUP = "publish"
PUBLISHED_MARTS_KEY = dg.AssetKey(["serving", "published_marts"])


def mart_asset_keys(manifest: dict | None = None) -> list[dg.AssetKey]:
    """The asset key of every dbt model materialised in schema ``marts``."""
    manifest = manifest if manifest is not None else dbt_manifest()
    keys = {
        translator.get_asset_spec(manifest, unique_id, dbt_project).key
        for unique_id, node in manifest["nodes"].items()
        if node.get("resource_type") == "model" and node.get("schema") == MARTS_SCHEMA
    }
    return sorted(keys, key=lambda key: key.path)


@dg.asset(
    key=PUBLISHED_MARTS_KEY,
    group_name=SERVING_GROUP,
    deps=mart_asset_keys(),
    pool=WAREHOUSE_POOL,  # it reads the warehouse file, which a writer would hold exclusively
    kinds={"duckdb", "parquet"},
    description=(
        "Every mart, published for BI readers once all marts built and their blocking checks passed: "
        "`marts.duckdb` (DuckDB storage v1.2.0, readable by DuckDB 1.2 and later) and "
        "`parquet/<mart>.parquet`, in the warehouse's folder (or `JOURNEY_PUBLISH_DIR`). Each publication "
        "is a folder of its own under `publications/`; one symlink switch makes it live, so readers see "
        "the previous set or the new one, never a mix. E-mail addresses are published as pseudonymous "
        "keys and money rounded to the reporting currency's minor unit."
    ),
)
def published_marts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    target = warehouse.publish_dir
    policy = policy_from_environment(warehouse.warehouse_path)
    protect_warehouse(warehouse.warehouse_path, policy, log=context.log.info)
    publication = publish_marts(
        warehouse.warehouse_path,
        target,
        docs=docs_from_manifest(dbt_manifest()),
        log=context.log.info,
        policy=policy,
    )
    context.log.info(
        f"published {len(publication.marts)} marts to {publication.duckdb_path} and {publication.parquet_dir} "
        f"(publication {publication.folder})"
    )
    return dg.MaterializeResult(
        metadata={
            "publication_id": publication.publication_id,
            "duckdb_file": dg.MetadataValue.path(str(publication.duckdb_path)),
            "parquet_folder": dg.MetadataValue.path(str(publication.parquet_dir)),
            "publication_folder": dg.MetadataValue.path(str(publication.folder)),
            "emails": "raw" if policy.raw_emails else "pseudonymous key",
            "marts": len(publication.marts),
            "dagster/row_count": sum(publication.row_counts.values()),
            "rows_by_mart": dg.MetadataValue.json(publication.row_counts),
        }
    )


serving_assets = [published_marts]
