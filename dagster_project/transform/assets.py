"""dbt models as Dagster assets; ``dbt build`` runs them so dbt tests report as asset checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.settings import WAREHOUSE_POOL
from dagster_project.transform.project import dbt_project

# The lineage view's groups, source → staging → domain: every staging model is `staging`; an
# intermediate model or a mart joins the group of its domain folder (`intermediate/revenue/`,
# `marts/revenue/` → `revenue`); the shared models at the top of `intermediate/` (accounts, identity
# resolution, the as-of date, the normalised tickets, responses and events) and the reference seeds
# are `core`; every other folder (`semantic/`, `analysts/`) is its own group.
DOMAIN_LAYERS = ("intermediate", "marts")
SHARED_GROUP = "core"
STAGING_GROUP = "staging"


class JourneyDbtTranslator(DagsterDbtTranslator):
    """Groups by domain: ``models/marts/revenue/x.sql`` and ``models/intermediate/revenue/y.sql`` → ``revenue``.

    A model's ``meta: {dagster: {group: ...}}`` overrides the rule. Sources map to the ingest
    assets through ``meta.dagster.asset_key`` in the sources YAML, which the default translator
    reads; nothing here names a model.
    """

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        explicit = super().get_group_name(dbt_resource_props)
        if explicit:
            return explicit
        if dbt_resource_props.get("resource_type") == "seed":
            return SHARED_GROUP
        folders = dbt_resource_props.get("fqn", [])[1:-1]  # drop the project name and the model name
        if not folders:
            return SHARED_GROUP
        layer, domains = folders[0], folders[1:]
        if layer == STAGING_GROUP:
            return STAGING_GROUP
        if layer in DOMAIN_LAYERS:
            return domains[0] if domains else SHARED_GROUP
        return layer


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
    not in every production build.
    """
    yield from dbt.cli(["build", *PRODUCTION_BUILD_ARGS], context=context).stream()
