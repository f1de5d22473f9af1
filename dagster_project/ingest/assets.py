"""One Dagster asset per raw table, grouped by exports folder, each with a blocking file check.

The first table of each exports folder (and ``hubspot_companies`` for files outside every source
folder) also records in the ledger the files of that folder that are not read (status ``ignored``,
with the reason) and, when nothing at all is read from the folder, one ``no_files`` row.
"""

import dagster as dg

from dagster_project.ingest.catalog import FAMILIES, FOLDER_LIST, NO_FAMILY, RAW_TABLES, RawTable, scan_exports
from dagster_project.ingest.generic import claimed_files
from dagster_project.ingest.loader import Loader, record_unread
from dagster_project.resources import WarehouseResource
from dagster_project.settings import WAREHOUSE_POOL

FILES_ACCEPTED = "files_accepted"
# Which asset records the unread files of each folder family (the first table of the folder).
FAMILY_RECORDER = {
    NO_FAMILY: RAW_TABLES[0].name,
    **{family: next(t.name for t in RAW_TABLES if t.folder == family) for family in FAMILIES},
}


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
        # the generic profile's files are not this table's
        discovery = scan_exports(warehouse.exports_dir, claimed_files(warehouse.exports_dir))
        files = discovery.files[raw_table.name]
        context.log.info(f"{raw_table.name}: {len(files)} file(s) in {warehouse.exports_dir / raw_table.folder}")
        families = [family for family, recorder in FAMILY_RECORDER.items() if recorder == raw_table.name]
        with warehouse.connect() as con:
            loader = Loader(con, warehouse.exports_dir, log=context.log.info)
            result = loader.load_table(raw_table, files, notes=discovery.recognised)
            ignored, empty = record_unread(con, discovery, families, loader.loaded_at, log=context.log.warning)
        totals = result.totals()
        for rejected in result.rejected:
            context.log.error(f"rejected {rejected.source_file}: {rejected.message}")
        problems = [rejected.message for rejected in result.rejected]
        if not discovery.loadable:
            # Said here, plainly, rather than by a dbt test on an empty model far downstream.
            problems.append(
                f"nothing to load: no file in {warehouse.exports_dir} feeds any source "
                f"({len(discovery.ignored)} seen and not read, listed in raw._ingest_files with status "
                f"'ignored'); put the exports in {FOLDER_LIST} or set JOURNEY_EXPORTS_DIR"
            )
            context.log.error(problems[-1])
        yield dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.total_rows,
                "files_seen": len(files),
                "files_loaded": result.count("loaded"),
                "files_unchanged": result.count("unchanged"),
                "files_duplicate": result.count("duplicate_file"),
                "files_rejected": len(result.rejected),
                "files_recognised_by_header": sum(1 for path in files if path in discovery.recognised),
                **({"files_ignored": len(ignored), "folders_without_files": ", ".join(empty)} if families else {}),
                **{f"this_run_{name}": value for name, value in totals.items()},
            }
        )
        yield dg.AssetCheckResult(
            check_name=FILES_ACCEPTED,
            passed=not problems,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(problems) or "all files accepted",
            metadata={"rejected_files": [rejected.source_file for rejected in result.rejected]},
        )

    return _raw_asset


raw_assets = [build_raw_asset(raw_table) for raw_table in RAW_TABLES]
