"""The ingest ledger and the quarantine as Dagster assets, with the row-accounting check.

``raw._ingest_files`` (one row per file and outcome) and ``raw._quarantine`` (one row per row kept
out) are written by every ingest asset inside each file's transaction. This asset observes them
after all ingest assets ran, so dbt's ``mart_load_audit`` (whose sources point here) is built after
every file is accounted for, and checks that nothing is lost:

- for every loaded file, ``rows_read = rows_loaded + rows_quarantined + rows_duplicated``;
- the raw table holds exactly ``rows_loaded`` rows of that file, the quarantine exactly
  ``rows_quarantined``;
- no raw row comes from a file the ledger does not know.
"""

from collections.abc import Sequence

import dagster as dg
import duckdb

from dagster_project.ingest.catalog import EXPORTS_GROUP
from dagster_project.ingest.loader import LEDGER, QUARANTINE, RAW_SCHEMA
from dagster_project.quality.report import quality_dir, write_result
from dagster_project.quality.suites import Outcome, SuiteResult
from dagster_project.resources import WarehouseResource
from dagster_project.settings import WAREHOUSE_POOL

LEDGER_KEY = dg.AssetKey(["raw", "_ingest_files"])
QUARANTINE_KEY = dg.AssetKey(["raw", "_quarantine"])
ROWS_ACCOUNTED = "rows_accounted"


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_name not like '\\_%' escape '\\' order by table_name",
        [RAW_SCHEMA],
    ).fetchall()
    tables = [row[0] for row in rows]
    with_meta = {
        row[0]
        for row in con.execute(
            "select table_name from information_schema.columns where table_schema = ? and column_name = '_source_file'",
            [RAW_SCHEMA],
        ).fetchall()
    }
    return [table for table in tables if table in with_meta]


def account_rows(con: duckdb.DuckDBPyConnection) -> SuiteResult:
    """Every way a row could be lost or counted twice, as outcomes (all critical)."""
    tables = _raw_tables(con)
    raw_counts = (
        " union all ".join(
            f"select '{table}' as table_name, _source_file as source_file, count(*) as rows_in_raw "
            f"from {RAW_SCHEMA}.{table} group by _source_file"
            for table in tables
        )
        or "select null::varchar as table_name, null::varchar as source_file, 0::bigint as rows_in_raw limit 0"
    )
    con.execute(
        f"""create or replace temp view _accounting as
        with loaded as (select * from {LEDGER} where status = 'loaded'),
        raw_counts as ({raw_counts}),
        quarantined as (
            select table_name, source_file, count(*) as rows_in_quarantine from {QUARANTINE} group by all
        )
        select
            coalesce(loaded.table_name, raw_counts.table_name) as table_name,
            coalesce(loaded.source_file, raw_counts.source_file) as source_file,
            loaded.rows_read, loaded.rows_loaded, loaded.rows_quarantined, loaded.rows_duplicated,
            coalesce(raw_counts.rows_in_raw, 0) as rows_in_raw,
            coalesce(quarantined.rows_in_quarantine, 0) as rows_in_quarantine,
            loaded.table_name is null as is_unknown_file
        from loaded
        full join raw_counts
            on loaded.table_name = raw_counts.table_name and loaded.source_file = raw_counts.source_file
        left join quarantined
            on quarantined.table_name = coalesce(loaded.table_name, raw_counts.table_name)
            and quarantined.source_file = coalesce(loaded.source_file, raw_counts.source_file)"""
    )
    rules = [
        (
            "read = loaded + quarantined + duplicated",
            "rows_read <> rows_loaded + rows_quarantined + rows_duplicated",
            "Every row read from a file is loaded, quarantined or counted as a duplicate.",
        ),
        (
            "raw rows = ledger rows_loaded",
            "not is_unknown_file and rows_in_raw <> rows_loaded",
            "The raw table holds exactly the rows the ledger says were loaded from each file.",
        ),
        (
            "quarantine rows = ledger rows_quarantined",
            "not is_unknown_file and rows_in_quarantine <> rows_quarantined",
            "The quarantine holds exactly the rows the ledger says were kept out of each file.",
        ),
        (
            "every raw row comes from a ledger file",
            "is_unknown_file",
            "No raw row comes from a file the ledger does not know (a load outside the loader).",
        ),
    ]
    total = con.execute("select count(*) from _accounting").fetchall()[0][0]
    outcomes = []
    for name, broken, description in rules:
        rows = con.execute(
            f"select table_name || ' · ' || source_file || ': read ' || coalesce(rows_read, 0) "
            f"|| ', loaded ' || coalesce(rows_loaded, 0) || ' (raw ' || rows_in_raw || '), quarantined ' "
            f"|| coalesce(rows_quarantined, 0) || ' (table ' || rows_in_quarantine || '), duplicates ' "
            f"|| coalesce(rows_duplicated, 0) from _accounting where {broken} order by 1"
        ).fetchall()
        outcomes.append(
            Outcome(
                name=name,
                severity="critical",
                success=not rows,
                description=description,
                element_count=total,
                unexpected_count=len(rows),
                unexpected_percent=100.0 * len(rows) / total if total else 0.0,
                examples=[row[0] for row in rows[:20]],
            )
        )
    con.execute("drop view _accounting")
    return SuiteResult("raw._ingest_files (row accounting)", "raw", ["raw", "_ingest_files"], total, 0.0, outcomes)


def _ledger_metadata(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    by_status = dict(con.execute(f"select status, count(*) from {LEDGER} group by status").fetchall())
    totals = con.execute(
        f"select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
        f"coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_duplicated), 0) from {LEDGER} "
        "where status = 'loaded'"
    ).fetchall()[0]
    return {
        **{f"files_{status}": int(count) for status, count in sorted(by_status.items())},
        "rows_read": int(totals[0]),
        "rows_loaded": int(totals[1]),
        "rows_quarantined": int(totals[2]),
        "rows_duplicated": int(totals[3]),
    }


def build_ledger_asset(ingest_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name="ingest_ledger",
        specs=[
            dg.AssetSpec(
                LEDGER_KEY,
                deps=list(ingest_keys),
                group_name=EXPORTS_GROUP,
                kinds={"duckdb"},
                description="The ingest ledger: one row per export file and outcome (loaded, duplicate_file, "
                "empty, rejected) with rows read, loaded, quarantined and duplicated. Written by every "
                "ingest asset in the file's own transaction.",
            ),
            dg.AssetSpec(
                QUARANTINE_KEY,
                deps=list(ingest_keys),
                group_name=EXPORTS_GROUP,
                kinds={"duckdb"},
                description="Rows kept out of the raw tables: file, row and line number, raw text and reason.",
            ),
        ],
        check_specs=[
            dg.AssetCheckSpec(
                ROWS_ACCOUNTED,
                asset=LEDGER_KEY,
                blocking=True,
                description="Every row read is loaded, quarantined or a counted duplicate, and the raw "
                "tables and the quarantine hold exactly what the ledger says.",
            )
        ],
        pool=WAREHOUSE_POOL,
    )
    def ingest_ledger(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect(read_only=True) as con:
            metadata = _ledger_metadata(con)
            result = account_rows(con)
        report = str(write_result(result, context.run.run_id, quality_dir(warehouse.warehouse_path)))
        failed = result.failed("critical")
        for outcome in failed:
            context.log.error(f"row accounting: {outcome.summary}")
        yield dg.MaterializeResult(asset_key=LEDGER_KEY, metadata={**metadata, "report": dg.MetadataValue.path(report)})
        yield dg.MaterializeResult(
            asset_key=QUARANTINE_KEY, metadata={"dagster/row_count": metadata["rows_quarantined"]}
        )
        yield dg.AssetCheckResult(
            asset_key=LEDGER_KEY,
            check_name=ROWS_ACCOUNTED,
            passed=not failed,
            severity=dg.AssetCheckSeverity.ERROR,
            description="; ".join(outcome.summary for outcome in failed)
            or f"{result.rows} file(s): every row accounted for",
            metadata={"files": result.rows, "report": dg.MetadataValue.path(report)},
        )

    return ingest_ledger
