"""Copy the raw layer of a DuckDB warehouse into PostgreSQL, so the same dbt project builds there.

`journey export-raw --to postgres --warehouse w.duckdb` (connection from the JOURNEY_PG_* variables,
as dbt/profiles.yml's `postgres` target reads them) or ``export_raw_to_postgres(warehouse, dsn)``.
Each raw.* table (the ingest's tables, its ledger `_ingest_files` and `_quarantine`) is recreated in
the Postgres schema `raw` with matching column types (DuckDB JSON -> jsonb) and filled through CSV
and COPY, in one transaction: a failed copy leaves the previous raw layer as it was. (DuckDB's
postgres extension would write directly, but it is downloaded at run time; this needs nothing.)
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

RAW_SCHEMA = "raw"

# DuckDB type (as information_schema names it) -> PostgreSQL type; anything else travels as text.
_TYPES = {
    "VARCHAR": "text",
    "JSON": "jsonb",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "SMALLINT": "smallint",
    "HUGEINT": "numeric(38, 0)",
    "UBIGINT": "numeric(20, 0)",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "BLOB": "bytea",
}


@dataclass(frozen=True)
class ExportedTable:
    name: str
    rows: int


def postgres_dsn_from_env() -> str:
    """A libpq connection string from JOURNEY_PG_HOST/PORT/USER/PASSWORD/DBNAME (dbt's postgres target)."""
    parts = {
        "host": os.environ.get("JOURNEY_PG_HOST", "localhost"),
        "port": os.environ.get("JOURNEY_PG_PORT", "5432"),
        "user": os.environ.get("JOURNEY_PG_USER", "postgres"),
        "dbname": os.environ.get("JOURNEY_PG_DBNAME", "journey"),
    }
    if os.environ.get("JOURNEY_PG_PASSWORD"):
        parts["password"] = os.environ["JOURNEY_PG_PASSWORD"]
    return " ".join(f"{key}={value}" for key, value in parts.items())


def build_dbt_vars(warehouse: Path) -> dict:
    """The dbt vars the warehouse's last `journey build` used (mapping.yml's `vars:` and `--var`, as
    recorded in last_build.json beside it), or {}. The dbt build on another engine must pass the same
    (`dbt build --vars ...`), or its marts follow other definitions (e.g. mrr_month_membership)."""
    record = Path(warehouse).parent / "last_build.json"
    try:
        values = json.loads(record.read_text(encoding="utf-8")).get("dbt_vars") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    return values if isinstance(values, dict) else {}


def dbt_build_command(warehouse: Path) -> str:
    """The dbt command that builds the marts on PostgreSQL with the warehouse's build vars."""
    command = "cd dbt && ../.venv/bin/dbt build --target postgres"
    values = build_dbt_vars(warehouse)
    if values:
        command += " --vars '" + json.dumps(values, sort_keys=True).replace("'", "'\\''") + "'"
    return command


def _pg_type(duckdb_type: str) -> str:
    if duckdb_type.startswith("DECIMAL"):
        return duckdb_type.replace("DECIMAL", "numeric")
    return _TYPES.get(duckdb_type, "text")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def export_raw_to_postgres(warehouse: Path, dsn: str, schema: str = RAW_SCHEMA) -> list[ExportedTable]:
    """Recreate every table of the warehouse's raw schema in Postgres `schema`; returns what was copied."""
    import psycopg2

    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise FileNotFoundError(f"{warehouse}: no warehouse file; build it first (journey build --warehouse ...)")
    exported: list[ExportedTable] = []
    with (
        duckdb.connect(str(warehouse), read_only=True) as source,
        tempfile.TemporaryDirectory(prefix="journey-export-raw-") as scratch,
    ):
        tables = [
            row[0]
            for row in source.execute(
                "select table_name from information_schema.tables where table_schema = ? and table_type = 'BASE TABLE'"
                " order by table_name",
                [RAW_SCHEMA],
            ).fetchall()
        ]
        if not tables:
            raise ValueError(f"{warehouse}: schema {RAW_SCHEMA} holds no table; run the ingest first")
        target = psycopg2.connect(dsn, options="-c TimeZone=UTC")
        try:
            with target, target.cursor() as cursor:
                cursor.execute(f"create schema if not exists {_quote(schema)}")
                for table in tables:
                    columns = source.execute(
                        "select column_name, data_type from information_schema.columns"
                        " where table_schema = ? and table_name = ? order by ordinal_position",
                        [RAW_SCHEMA, table],
                    ).fetchall()
                    qualified = f"{_quote(schema)}.{_quote(table)}"
                    cursor.execute(f"drop table if exists {qualified} cascade")
                    column_sql = ", ".join(f"{_quote(name)} {_pg_type(kind)}" for name, kind in columns)
                    cursor.execute(f"create table {qualified} ({column_sql})")
                    csv_path = Path(scratch) / "table.csv"
                    # DuckDB writes NULL as an empty field and an empty string as "": COPY reads both back.
                    selected = ", ".join(
                        f"cast({_quote(name)} as varchar)" if kind == "JSON" else _quote(name)
                        for name, kind in columns
                    )
                    source.execute(
                        f"copy (select {selected} from {RAW_SCHEMA}.{_quote(table)})"
                        f" to '{csv_path}' (format csv, header false)"
                    )
                    with csv_path.open("rb") as handle:
                        cursor.copy_expert(f"copy {qualified} from stdin with (format csv)", handle)
                    cursor.execute(f"select count(*) from {qualified}")
                    exported.append(ExportedTable(table, cursor.fetchone()[0]))
                    cursor.execute(f"analyze {qualified}")
        finally:
            target.close()
    return exported
