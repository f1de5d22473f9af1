"""dbt models as Dagster assets; ``dbt build`` runs them so dbt tests report as asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.dbt_vars import dbt_cli_args
from dagster_project.settings import WAREHOUSE_POOL
from dagster_project.transform.project import dbt_project


class JourneyDbtTranslator(DagsterDbtTranslator):
    """Groups come from folders: ``models/marts/revenue/x.sql`` → ``marts_revenue``.

    Sources map to the ingest assets through ``meta.dagster.asset_key`` in the sources YAML,
    which the default translator reads; nothing here names a model.
    """

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props.get("resource_type") == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        folders = fqn[1:-1]  # drop the project name and the model name
        return "_".join(folders) if folders else None


# What a production build leaves out: unit tests exercise the model SQL on fixed inputs, so their
# result cannot change with the exports; CI runs them.
PRODUCTION_BUILD_ARGS = ("--exclude-resource-type", "unit_test")

translator = JourneyDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def journey_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Build (run + test) the selected dbt models; tests fail the build when they error.

    dbt unit tests check the SQL, not the data: they run in the test suite (``tests/test_dbt_unit.py``),
    not in every production build. The build's dbt vars (mapping.yml ``vars:``, ``--var``) go to ``--vars``.
    """
    yield from dbt.cli(["build", *PRODUCTION_BUILD_ARGS, *dbt_cli_args()], context=context).stream()
