"""One Dagster asset per generic-profile entity (``raw.generic_*``), driven by ``mapping.yml``."""

import dagster as dg

from dagster_project.ingest.catalog import EXPORTS_GROUP
from dagster_project.ingest.generic import (
    GENERIC_ENTITIES,
    GenericEntity,
    MappingError,
    generic_raw_table,
    read_mapping,
    store_mapping,
)
from dagster_project.ingest.loader import Loader, ensure_tables
from dagster_project.resources import WarehouseResource
from dagster_project.settings import WAREHOUSE_POOL

MAPPING_VALID = "mapping_valid"


def build_generic_asset(entity: GenericEntity) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", f"generic_{entity.name}"])

    @dg.asset(
        key=key,
        group_name=EXPORTS_GROUP,
        description=f"Generic profile — {entity.description} Loaded from `{entity.default_file}` (or the "
        "file `mapping.yml` names) when `mapping.yml` at the exports root has a "
        f"`{entity.name}:` section; empty otherwise.",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        check_specs=[
            dg.AssetCheckSpec(
                MAPPING_VALID,
                asset=key,
                blocking=True,
                description="mapping.yml is valid and the mapped file has every mapped column.",
            )
        ],
    )
    def _generic_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        exports_dir = warehouse.exports_dir
        problems: list[str] = []
        try:
            mapping = read_mapping(exports_dir)
        except MappingError as error:
            mapping, problems = {}, [str(error)]
        raw_table = generic_raw_table(entity, mapping)
        rows = 0
        with warehouse.connect() as con:
            store_mapping(con, mapping)
            ensure_tables(con, [raw_table])
            section = mapping.get(entity.name)
            if section:
                path = exports_dir / section["file"]
                if not path.is_file():
                    problems.append(f"mapping.yml maps {entity.name} to {section['file']}: no such file")
                else:
                    result = Loader(con, exports_dir, log=context.log.info).load_table(raw_table, [path])
                    problems += [rejected.message for rejected in result.rejected]
                    rows = result.total_rows
            else:
                rows = con.execute(f"select count(*) from raw.{raw_table.name}").fetchall()[0][0]
        for problem in problems:
            context.log.error(problem)
        yield dg.MaterializeResult(
            metadata={"dagster/row_count": rows, "mapped": bool(mapping.get(entity.name))}
        )
        yield dg.AssetCheckResult(
            check_name=MAPPING_VALID,
            passed=not problems,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(problems) or "mapping valid",
        )

    return _generic_asset


generic_assets = [build_generic_asset(entity) for entity in GENERIC_ENTITIES]
