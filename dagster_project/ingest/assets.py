"""One Dagster asset per raw table, grouped by exports folder, each with a blocking file check."""

import dagster as dg

from dagster_project.ingest.catalog import RAW_TABLES, RawTable
from dagster_project.ingest.generic import claimed_files
from dagster_project.ingest.loader import Loader, discover
from dagster_project.resources import WarehouseResource
from dagster_project.settings import WAREHOUSE_POOL

FILES_ACCEPTED = "files_accepted"


def raw_asset_key(raw_table: RawTable) -> dg.AssetKey:
    return dg.AssetKey(["raw", raw_table.name])


def build_raw_asset(raw_table: RawTable) -> dg.AssetsDefinition:
    key = raw_asset_key(raw_table)

    @dg.asset(
        key=key,
        group_name=raw_table.group,
        description=f"{raw_table.description} Files: `{raw_table.folder}/` matching "
        f"{', '.join(f'`{pattern}`' for pattern in raw_table.patterns)}.",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb"},
        check_specs=[
            dg.AssetCheckSpec(
                FILES_ACCEPTED,
                asset=key,
                blocking=True,
                description="Every file for this table was loaded: none was rejected whole "
                "(missing required column, not UTF-8, no header).",
            )
        ],
    )
    def _raw_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        claimed = claimed_files(warehouse.exports_dir)  # the generic profile's files are not this table's
        files = [
            path
            for path in discover(warehouse.exports_dir)[raw_table.name]
            if path.relative_to(warehouse.exports_dir).as_posix() not in claimed
        ]
        context.log.info(
            f"{raw_table.name}: {len(files)} file(s) in {warehouse.exports_dir / raw_table.folder}"
        )
        with warehouse.connect() as con:
            result = Loader(con, warehouse.exports_dir, log=context.log.info).load_table(raw_table, files)
        totals = result.totals()
        for rejected in result.rejected:
            context.log.error(f"rejected {rejected.source_file}: {rejected.message}")
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.total_rows,
                "files_seen": len(files),
                "files_loaded": result.count("loaded"),
                "files_unchanged": result.count("unchanged"),
                "files_duplicate": result.count("duplicate_file"),
                "files_rejected": len(result.rejected),
                **{f"this_run_{name}": value for name, value in totals.items()},
            }
        )
        yield dg.AssetCheckResult(
            check_name=FILES_ACCEPTED,
            passed=not result.rejected,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(rejected.message for rejected in result.rejected) or "all files accepted",
            metadata={"rejected_files": [rejected.source_file for rejected in result.rejected]},
        )

    return _raw_asset


raw_assets = [build_raw_asset(raw_table) for raw_table in RAW_TABLES]
