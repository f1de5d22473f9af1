"""dbt models as Dagster assets; ``dbt build`` runs them so dbt tests report as asset checks."""

import contextlib
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from dagster_project.resources import WarehouseResource
from dagster_project.settings import WAREHOUSE_POOL
from dagster_project.transform.dbt_vars import dbt_cli_args
from dagster_project.transform.project import dbt_manifest, dbt_project

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
    manifest=dbt_manifest(),
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WAREHOUSE_POOL,
)
def journey_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Build (run + test) the selected dbt models; tests fail the build when they error.

    dbt unit tests check the SQL, not the data: they run in the test suite (``tests/test_dbt_unit.py``),
    not in every production build. The build's dbt vars (mapping.yml ``vars:``, ``--var``) go to ``--vars``.
    """
    # dbt's profiles.yml reads JOURNEY_WAREHOUSE: the run's warehouse resource, the one source of
    # paths, decides it when the step starts (`dagster dev` included), never an import.
    os.environ["JOURNEY_WAREHOUSE"] = str(warehouse.warehouse_path)
    invocation = dbt.cli(["build", *PRODUCTION_BUILD_ARGS, *dbt_cli_args()], context=context)
    try:
        yield from invocation.stream()
    finally:  # a failed dbt test does not make the parse any less valid
        with contextlib.suppress(OSError):
            keep_parse_for_next_commands(
                Path(invocation.target_path), Path(dbt_project.project_dir) / dbt_project.target_path
            )


RUN_TARGETS_KEPT = 3  # the newest run folders under dbt/target/ (compiled SQL, run_results.json)


def keep_parse_for_next_commands(run_target: Path, project_target: Path) -> None:
    """Hand the run's dbt parse back to the project's target folder, and prune old run folders.

    Each run's dbt parses in its own folder under ``dbt/target/``, starting from the project's
    ``partial_parse.msgpack``. A build at another warehouse path makes dbt re-parse in full (the path
    is part of its profile); copying that parse back means the next ``journey dbt`` / ``journey
    metrics`` / build on the same warehouse starts from it instead of re-parsing the project again.
    """
    parsed = run_target / "partial_parse.msgpack"
    if parsed.exists():
        staged = project_target / f".partial_parse.{os.getpid()}.msgpack"
        shutil.copyfile(parsed, staged)
        os.replace(staged, project_target / "partial_parse.msgpack")  # readers see the old or the new file
    runs = sorted(
        (folder for folder in project_target.glob(f"{journey_dbt_models.op.name}-*") if folder.is_dir()),
        key=lambda folder: folder.stat().st_mtime,
    )
    for folder in runs[:-RUN_TARGETS_KEPT]:
        if folder != run_target and time.time() - folder.stat().st_mtime > 6 * 3600:  # never a running one
            shutil.rmtree(folder, ignore_errors=True)
