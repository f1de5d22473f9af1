"""Publish the marts for BI readers: a DuckDB file any DuckDB from 1.2 on opens, and Parquet files.

Everything is written aside first and then renamed into place (``os.replace``, atomic on one
file system), so a reader sees the previous publication or the new one, never a half-written file:

- ``marts.duckdb``: every table of the warehouse's ``marts`` schema, under the same names, in the
  file's default schema (``main``): a reader that opens the file writes ``select * from mart_nps``,
  and ``marts.mart_nps`` works too (the file's catalog is named ``marts``). Written with storage
  version ``v1.2.0``; table and column comments carry the dbt descriptions; ``meta.publication``
  lists each mart with its row count and the publication id.
- ``parquet/<mart>.parquet``: one file per mart (publication id in the file's key-value metadata)
  and ``parquet/_publication.json``, the same list, renamed into place after the files.

A reader holding the old ``marts.duckdb`` open keeps reading the old file (POSIX keeps a renamed-over
file alive for whoever has it open) and never blocks a publication: the writer only ever opens the
temporary file. The marts are discovered in the warehouse, never listed here.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
# In the published file the marts sit in the default schema: its catalog is already called "marts"
# (from the file name), so a schema of that name would make `marts.<mart>` ambiguous.
PUBLISHED_SCHEMA = "main"
LEDGER_SCHEMA = "meta"
PUBLISHED_DUCKDB = "marts.duckdb"
PARQUET_FOLDER = "parquet"
MANIFEST_NAME = "_publication.json"
PUBLICATION_TABLE = "publication"
# The oldest DuckDB storage format BI tools bundling DuckDB 1.2 or later can read.
STORAGE_VERSION = "v1.2.0"


class PublishError(RuntimeError):
    """The marts could not be published; the previous publication is left as it was."""


@dataclass(frozen=True)
class TableDoc:
    """A mart's description and its columns' descriptions (from the dbt manifest)."""

    description: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Publication:
    publication_id: str
    published_at: datetime
    duckdb_path: Path
    parquet_dir: Path
    row_counts: dict[str, int]

    @property
    def marts(self) -> list[str]:
        return sorted(self.row_counts)


def published_paths(publish_dir: Path) -> tuple[Path, Path]:
    """The published DuckDB file and the Parquet folder inside ``publish_dir``."""
    return publish_dir / PUBLISHED_DUCKDB, publish_dir / PARQUET_FOLDER


def new_publication_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def discover_marts(con: duckdb.DuckDBPyConnection, catalog: str = "warehouse") -> list[str]:
    """Every table or view in the ``marts`` schema of the attached warehouse, by name."""
    rows = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = ? order by table_name",
        [catalog, MARTS_SCHEMA],
    ).fetchall()
    return [row[0] for row in rows]


def _remove_if_present(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _write_comments(con: duckdb.DuckDBPyConnection, table: str, doc: TableDoc, columns: list[str]) -> None:
    target = f"publication.{PUBLISHED_SCHEMA}.{_identifier(table)}"
    if doc.description:
        con.execute(f"comment on table {target} is {_sql_string(doc.description.strip())}")
    for column in columns:
        text = doc.columns.get(column, "")
        if text:
            con.execute(f"comment on column {target}.{_identifier(column)} is {_sql_string(text.strip())}")


def _stage_duckdb(
    con: duckdb.DuckDBPyConnection,
    staged: Path,
    marts: list[str],
    docs: Mapping[str, TableDoc],
    publication_id: str,
    published_at: datetime,
) -> dict[str, int]:
    """Copy every mart into a new DuckDB file at ``staged`` (storage v1.2.0); returns row counts."""
    con.execute(f"attach {_sql_string(str(staged))} as publication (storage_version {_sql_string(STORAGE_VERSION)})")
    row_counts: dict[str, int] = {}
    for mart in marts:
        source = f"warehouse.{MARTS_SCHEMA}.{_identifier(mart)}"
        target = f"publication.{PUBLISHED_SCHEMA}.{_identifier(mart)}"
        con.execute(f"create table {target} as select * from {source}")
        row_counts[mart] = con.execute(f"select count(*) from {target}").fetchall()[0][0]
        columns = [row[0] for row in con.execute(f"describe {target}").fetchall()]
        _write_comments(con, mart, docs.get(mart, TableDoc()), columns)
    con.execute(f"create schema publication.{LEDGER_SCHEMA}")
    con.execute(
        f"create table publication.{LEDGER_SCHEMA}.{PUBLICATION_TABLE} ("
        "publication_id varchar, published_at timestamp, mart varchar, row_count bigint)"
    )
    con.executemany(
        f"insert into publication.{LEDGER_SCHEMA}.{PUBLICATION_TABLE} values (?, ?, ?, ?)",
        [[publication_id, published_at.replace(tzinfo=None), mart, count] for mart, count in row_counts.items()],
    )
    con.execute(
        f"comment on table publication.{LEDGER_SCHEMA}.{PUBLICATION_TABLE} is "
        "'One row per published mart: which publication this file is and how many rows each mart has.'"
    )
    con.execute("checkpoint publication")
    con.execute("detach publication")
    return row_counts


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, parquet_dir: Path, marts: list[str], publication_id: str
) -> dict[str, Path]:
    """Write each mart to a hidden temporary file beside its final name; returns mart → temp file."""
    staged: dict[str, Path] = {}
    for mart in marts:
        temporary = parquet_dir / f".{mart}.parquet.tmp"
        _remove_if_present(temporary)
        con.execute(
            f"copy (select * from warehouse.{MARTS_SCHEMA}.{_identifier(mart)}) "
            f"to {_sql_string(str(temporary))} "
            f"(format parquet, kv_metadata {{publication_id: {_sql_string(publication_id)}}})"
        )
        staged[mart] = temporary
    return staged


def _write_json_atomically(path: Path, payload: Mapping[str, object]) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def publish_marts(
    warehouse: Path,
    publish_dir: Path,
    docs: Mapping[str, TableDoc] | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> Publication:
    """Publish every mart of ``warehouse`` into ``publish_dir`` (``marts.duckdb`` and ``parquet/``).

    Nothing in place changes until every file has been written aside; then the Parquet files, the
    Parquet manifest and the DuckDB file are each renamed over their previous version.
    """
    warehouse = Path(warehouse)
    publish_dir = Path(publish_dir)
    if not warehouse.is_file():
        raise PublishError(f"warehouse {warehouse} does not exist: build it first (journey build)")
    duckdb_path, parquet_dir = published_paths(publish_dir)
    if duckdb_path.resolve() == warehouse.resolve():
        raise PublishError(f"the warehouse {warehouse} cannot be published over itself: rename it")
    parquet_dir.mkdir(parents=True, exist_ok=True)
    staged_duckdb = duckdb_path.with_name(duckdb_path.name + ".tmp")
    _remove_if_present(staged_duckdb, Path(f"{staged_duckdb}.wal"))

    published_at = datetime.now(UTC)
    publication_id = new_publication_id(published_at)
    docs = docs or {}
    staged_parquet: dict[str, Path] = {}
    try:
        with duckdb.connect() as con:
            con.execute(f"attach {_sql_string(str(warehouse))} as warehouse (read_only)")
            marts = discover_marts(con)
            if not marts:
                raise PublishError(f"warehouse {warehouse} has no table in schema '{MARTS_SCHEMA}': nothing to publish")
            row_counts = _stage_duckdb(con, staged_duckdb, marts, docs, publication_id, published_at)
            log(f"staged {len(marts)} marts in {staged_duckdb.name} (storage {STORAGE_VERSION})")
            staged_parquet = _stage_parquet(con, parquet_dir, marts, publication_id)
            log(f"staged {len(staged_parquet)} Parquet files in {parquet_dir}")
    except Exception:
        _remove_if_present(staged_duckdb, Path(f"{staged_duckdb}.wal"), *staged_parquet.values())
        raise

    for mart, temporary in staged_parquet.items():
        os.replace(temporary, parquet_dir / f"{mart}.parquet")
    _write_json_atomically(
        parquet_dir / MANIFEST_NAME,
        {
            "publication_id": publication_id,
            "published_at": published_at.isoformat(),
            "marts": {mart: {"file": f"{mart}.parquet", "rows": row_counts[mart]} for mart in marts},
        },
    )
    os.replace(staged_duckdb, duckdb_path)
    for stale in sorted(parquet_dir.glob("*.parquet")):
        if stale.stem not in row_counts:
            stale.unlink(missing_ok=True)
            log(f"removed {stale.name}: no such mart any more")
    return Publication(
        publication_id=publication_id,
        published_at=published_at,
        duckdb_path=duckdb_path,
        parquet_dir=parquet_dir,
        row_counts=row_counts,
    )


def docs_from_manifest(manifest: Mapping[str, object]) -> dict[str, TableDoc]:
    """Descriptions of every model in schema ``marts``, from a dbt ``manifest.json``."""
    docs: dict[str, TableDoc] = {}
    nodes = manifest.get("nodes", {})
    assert isinstance(nodes, Mapping)
    for node in nodes.values():
        if node.get("resource_type") != "model" or node.get("schema") != MARTS_SCHEMA:
            continue
        name = node.get("alias") or node["name"]
        docs[name] = TableDoc(
            description=node.get("description") or "",
            columns={
                column_name: column.get("description") or ""
                for column_name, column in (node.get("columns") or {}).items()
            },
        )
    return docs


def read_manifest(path: Path) -> dict[str, object]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
