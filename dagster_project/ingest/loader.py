"""Load export files into ``raw.*`` with DuckDB's own readers, idempotently, losing nothing.

Every file is accounted for in ``raw._ingest_files`` (the ledger, keyed by content hash) and every
row read ends up in exactly one place: the raw table (loaded), ``raw._quarantine`` (cannot be
parsed, or lacks a required field) or the duplicate count (an exact copy of a row already loaded).
So for every file ``rows_read = rows_loaded + rows_quarantined + rows_duplicated``.

Idempotency: a file whose content hash is already loaded is skipped; the same content under another
name is recorded once as ``duplicate_file``; a file whose content changed at the same path replaces
that path's rows. Each file loads in one transaction, so a crash leaves the previous state.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dagster_project.ingest.catalog import RAW_TABLES, RawTable, table_for_file

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._ingest_files"
QUARANTINE = f"{RAW_SCHEMA}._quarantine"
META_COLUMNS = ("_source_file", "_row_number", "_loaded_at", "_row_hash")
MAX_LINE_BYTES = 64 * 1024 * 1024  # a single field may legitimately be several MB

Log = Callable[[str], None]


class FileRejected(Exception):
    """A file that cannot be loaded as a whole (missing required column, not UTF-8, ...)."""


@dataclass
class FileResult:
    source_file: str
    status: str  # loaded | unchanged | duplicate_file | rejected | empty
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_duplicated: int = 0
    message: str = ""


@dataclass
class TableResult:
    table: str
    files: list[FileResult] = field(default_factory=list)
    total_rows: int = 0

    def count(self, status: str) -> int:
        return sum(1 for result in self.files if result.status == status)

    @property
    def rejected(self) -> list[FileResult]:
        return [result for result in self.files if result.status == "rejected"]

    def totals(self) -> dict[str, int]:
        return {
            "rows_read": sum(result.rows_read for result in self.files),
            "rows_loaded": sum(result.rows_loaded for result in self.files),
            "rows_quarantined": sum(result.rows_quarantined for result in self.files),
            "rows_duplicated": sum(result.rows_duplicated for result in self.files),
        }


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def ensure_tables(con: duckdb.DuckDBPyConnection, tables: Iterable[RawTable] = RAW_TABLES) -> None:
    """Create the raw schema, the ledger, the quarantine and every raw table (idempotent)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    con.execute(
        f"""
        create table if not exists {LEDGER} (
            table_name varchar not null,
            source_file varchar not null,
            file_hash varchar not null,
            file_bytes bigint,
            status varchar not null,
            rows_read bigint not null default 0,
            rows_loaded bigint not null default 0,
            rows_quarantined bigint not null default 0,
            rows_duplicated bigint not null default 0,
            message varchar,
            loaded_at timestamp not null
        )"""
    )
    con.execute(
        f"""
        create table if not exists {QUARANTINE} (
            table_name varchar not null,
            source_file varchar not null,
            file_hash varchar not null,
            row_number bigint,
            line_number bigint,
            reason varchar not null,
            raw_text varchar,
            quarantined_at timestamp not null
        )"""
    )
    for raw_table in tables:
        if raw_table.fmt == "csv":
            columns = ", ".join(f"{_quote(column)} varchar" for column in raw_table.columns)
            body = f"{columns}, " if columns else ""
        else:
            body = "record json, "
        con.execute(
            f"create table if not exists {RAW_SCHEMA}.{raw_table.name} ("
            f"{body}_source_file varchar not null, _row_number bigint not null, "
            f"_loaded_at timestamp not null, _row_hash varchar not null)"
        )


def discover(exports_dir: Path) -> dict[str, list[Path]]:
    """Every export file under ``exports_dir``, by the raw table it feeds (sorted, deterministic)."""
    found: dict[str, list[Path]] = {raw_table.name: [] for raw_table in RAW_TABLES}
    if not exports_dir.is_dir():
        return found
    for path in sorted(exports_dir.rglob("*"), key=_load_order):
        if not path.is_file():
            continue
        raw_table = table_for_file(path.relative_to(exports_dir).as_posix())
        if raw_table is not None:
            found[raw_table.name].append(path)
    return found


def _load_order(path: Path) -> tuple[str, str, int, str]:
    """Sort key: by folder, then by name with a copy marker like `` (1)`` ignored, originals first."""
    stem = re.sub(r"\s*\(\d+\)(?=\.)", "", path.name)
    return (path.parent.as_posix(), stem, len(path.name), path.name)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def read_csv_header(path: Path) -> list[str]:
    """The header row as the tool wrote it (BOM stripped). Raises FileRejected if unreadable."""
    try:
        with _open_text(path) as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as error:
        raise FileRejected(
            f"{path.name}: not UTF-8 text (byte {error.start}); re-export the file as UTF-8"
        ) from error
    if not header or not any(cell.strip() for cell in header):
        return []
    return header


def _dedupe_names(header: list[str]) -> list[str]:
    """Header names as column names; a repeated name gets ``__2``, ``__3`` so nothing is lost."""
    seen: dict[str, int] = {}
    names = []
    for cell in header:
        name = cell if cell else "unnamed"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}__{seen[name]}")
    return names


def _existing_columns(con: duckdb.DuckDBPyConnection, table_name: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?",
        [RAW_SCHEMA, table_name],
    ).fetchall()
    return {row[0] for row in rows}


class Loader:
    """Loads files into one warehouse connection; see the module docstring for the guarantees."""

    def __init__(self, con: duckdb.DuckDBPyConnection, exports_dir: Path, log: Log | None = None):
        self.con = con
        self.exports_dir = exports_dir
        self.log = log or (lambda message: None)
        self.loaded_at = datetime.now(UTC).replace(tzinfo=None)
        self._transaction_open = False
        ensure_tables(con)

    # -- public ---------------------------------------------------------------------------
    def load_table(self, raw_table: RawTable, files: list[Path]) -> TableResult:
        result = TableResult(table=raw_table.name)
        for index, path in enumerate(files, start=1):
            file_result = self.load_file(raw_table, path)
            result.files.append(file_result)
            self.log(
                f"[{raw_table.name}] {index}/{len(files)} {file_result.source_file}: {file_result.status}"
                + (
                    f" read={file_result.rows_read} loaded={file_result.rows_loaded}"
                    f" quarantined={file_result.rows_quarantined}"
                    f" duplicates={file_result.rows_duplicated}"
                    if file_result.status == "loaded"
                    else ""
                )
                + (f" — {file_result.message}" if file_result.message else "")
            )
        result.total_rows = self.con.execute(
            f"select count(*) from {RAW_SCHEMA}.{raw_table.name}"
        ).fetchall()[0][0]
        return result

    def load_file(self, raw_table: RawTable, path: Path) -> FileResult:
        relative = path.relative_to(self.exports_dir).as_posix()
        digest = file_hash(path)
        known = self.con.execute(
            f"select source_file, status from {LEDGER} where table_name = ? and file_hash = ? "
            "and status in ('loaded', 'duplicate_file', 'empty')",
            [raw_table.name, digest],
        ).fetchall()
        if any(source == relative for source, _ in known):
            return FileResult(relative, "unchanged")
        if any(status in ("loaded", "empty") for _, status in known):
            original = next(source for source, status in known if status in ("loaded", "empty"))
            message = f"same content as {original}; not loaded again"
            self._record(raw_table, FileResult(relative, "duplicate_file", message=message), digest, path)
            return FileResult(relative, "duplicate_file", message=message)
        if path.stat().st_size == 0:
            result = FileResult(relative, "empty", message="empty file: nothing to load")
            self._record(raw_table, result, digest, path)
            return result
        try:
            if raw_table.fmt == "csv":
                result = self._load_csv(raw_table, path, relative, digest)
            else:
                result = self._load_jsonl(raw_table, path, relative, digest)
        except FileRejected as rejection:
            result = FileResult(relative, "rejected", message=str(rejection))
            if self._transaction_open:
                self.con.execute("rollback")
                self._transaction_open = False
            self._record(raw_table, result, digest, path)
        return result

    # -- formats --------------------------------------------------------------------------
    def _load_csv(self, raw_table: RawTable, path: Path, relative: str, digest: str) -> FileResult:
        header = read_csv_header(path)
        if not header:
            raise FileRejected(f"{relative}: no header row; expected columns {', '.join(raw_table.required)}")
        missing = [column for column in raw_table.required if column not in header]
        if missing:
            raise FileRejected(
                f"{relative}: missing required column {', '.join(repr(column) for column in missing)}; "
                f"found {', '.join(repr(column) for column in header[:12])}"
                + (" …" if len(header) > 12 else "")
            )
        names = _dedupe_names(header)
        existing = _existing_columns(self.con, raw_table.name)
        for name in names:
            if name not in existing:
                self.con.execute(
                    f"alter table {RAW_SCHEMA}.{raw_table.name} add column {_quote(name)} varchar"
                )
        columns = "{" + ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in names) + "}"
        reader = (
            f"read_csv({_literal(str(path))}, columns={columns}, header=false, skip=1, delim=',', "
            f"quote='\"', escape='\"', auto_detect=false, store_rejects=true, "
            f"rejects_table='_rejects', rejects_scan='_rejects_scan', max_line_size={MAX_LINE_BYTES})"
        )
        row_text = " || chr(31) || ".join(f"coalesce({_quote(name)}, chr(30))" for name in names)
        self._begin()
        self.con.execute(
            f"create or replace temp table _incoming as select *, ordinality as _ordinal, "
            f"md5({row_text}) as _row_hash from {reader} with ordinality"
        )
        rejects = self._csv_rejects(path)
        select_list = ", ".join(_quote(name) for name in names)
        return self._finish(raw_table, relative, digest, path, select_list, rejects)

    def _csv_rejects(self, path: Path) -> list[tuple[int, str, str]]:
        """(line, reason, raw text) of each record the CSV reader could not parse, one per line."""
        try:
            rows = self.con.execute(
                "select line, string_agg(distinct error_type || coalesce(': ' || column_name, ''), '; '), "
                "any_value(csv_line) from _rejects group by line order by line"
            ).fetchall()
        except duckdb.CatalogException:
            return []
        self.con.execute("drop table if exists _rejects")
        self.con.execute("drop table if exists _rejects_scan")
        return [(int(line), f"unparseable CSV row ({reason})", text) for line, reason, text in rows]

    def _load_jsonl(self, raw_table: RawTable, path: Path, relative: str, digest: str) -> FileResult:
        reader = (
            f"read_csv({_literal(str(path))}, columns={{'line': 'VARCHAR'}}, header=false, delim=chr(1), "
            f"quote='', escape='', auto_detect=false, strict_mode=false, null_padding=true, "
            f"max_line_size={MAX_LINE_BYTES})"
        )
        required_missing = " or ".join(
            f"json_extract(line, {_literal('$.' + key)}) is null" for key in raw_table.required
        )
        self._begin()
        self.con.execute(
            f"""create or replace temp table _lines as
            select ordinality as _line, line from {reader} with ordinality"""
        )
        self.con.execute(
            f"""create or replace temp table _incoming as
            select line::json as record, _line as _ordinal, md5(line) as _row_hash
            from _lines
            where line is not null and trim(line) <> '' and json_valid(line)
              and json_type(line::json) = 'OBJECT' and not ({required_missing})"""
        )
        invalid = self.con.execute(
            f"""select _line,
                case when not json_valid(line) then 'invalid JSON (truncated or malformed line)'
                     when json_type(line::json) <> 'OBJECT' then 'not a JSON object'
                     else 'missing required field: ' || {self._missing_list(raw_table)}
                end,
                line
            from _lines
            where line is not null and trim(line) <> ''
              and (not json_valid(line) or json_type(line::json) <> 'OBJECT' or ({required_missing}))
            order by _line"""
        ).fetchall()
        self.con.execute("drop table _lines")
        rejects = [(int(line), reason, text) for line, reason, text in invalid]
        return self._finish(
            raw_table, relative, digest, path, "record", rejects, header_lines=0, reader_skips_rejects=False
        )

    @staticmethod
    def _missing_list(raw_table: RawTable) -> str:
        parts = [
            f"case when json_extract(line, {_literal('$.' + key)}) is null then {_literal(key)} end"
            for key in raw_table.required
        ]
        return f"concat_ws(', ', {', '.join(parts)})"

    # -- shared ---------------------------------------------------------------------------
    def _finish(
        self,
        raw_table: RawTable,
        relative: str,
        digest: str,
        path: Path,
        select_list: str,
        rejects: list[tuple[int, str, str]],
        header_lines: int = 1,
        reader_skips_rejects: bool = True,
    ) -> FileResult:
        """Within the open transaction: replace this path's rows, drop duplicates, quarantine, record."""
        target = f"{RAW_SCHEMA}.{raw_table.name}"
        self.con.execute(f"delete from {target} where _source_file = ?", [relative])
        self.con.execute(
            f"delete from {QUARANTINE} where table_name = ? and source_file = ?", [raw_table.name, relative]
        )
        # Data row numbers: the reader's ordinal skips rejected records, so shift it past them.
        rejected_rows = sorted(line - header_lines for line, _, _ in rejects) if reader_skips_rejects else []
        self.con.execute("create or replace temp table _rejected_rows (row_number bigint, gap bigint)")
        if rejected_rows:
            self.con.executemany(
                "insert into _rejected_rows values (?, ?)",
                [(row, row - index) for index, row in enumerate(rejected_rows, start=1)],
            )
        self.con.execute(
            f"""create or replace temp table _numbered as
            select incoming.*,
                   incoming._ordinal + (select count(*) from _rejected_rows where gap < incoming._ordinal)
                       as _row_number,
                   row_number() over (partition by incoming._row_hash order by incoming._ordinal) > 1
                       or incoming._row_hash in (select _row_hash from {target}) as _is_duplicate
            from _incoming as incoming"""
        )
        loaded_at = self.loaded_at
        self.con.execute(
            f"""insert into {target} by name
            select {select_list}, {_literal(relative)} as _source_file, _row_number,
                   ?::timestamp as _loaded_at, _row_hash
            from _numbered where not _is_duplicate order by _row_number""",
            [loaded_at],
        )
        counts = self.con.execute(
            "select count(*) filter (where not _is_duplicate), count(*) filter (where _is_duplicate) "
            "from _numbered"
        ).fetchall()[0]
        if rejects:
            self.con.executemany(
                f"insert into {QUARANTINE} values (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (raw_table.name, relative, digest, line - header_lines, line, reason, text, loaded_at)
                    for line, reason, text in rejects
                ],
            )
        self.con.execute("drop table _incoming")
        self.con.execute("drop table _numbered")
        self.con.execute("drop table _rejected_rows")
        loaded, duplicated = int(counts[0]), int(counts[1])
        result = FileResult(
            relative,
            "loaded",
            rows_read=loaded + duplicated + len(rejects),
            rows_loaded=loaded,
            rows_quarantined=len(rejects),
            rows_duplicated=duplicated,
        )
        self._record(raw_table, result, digest, path)
        self.con.execute("commit")
        self._transaction_open = False
        return result

    def _record(self, raw_table: RawTable, result: FileResult, digest: str, path: Path) -> None:
        # The ledger keeps one row per path and outcome: the content now loaded from it, the
        # latest rejection of it, its duplicate-file record.
        replaced = ["loaded", "rejected"] if result.status == "loaded" else [result.status]
        self.con.execute(
            f"delete from {LEDGER} where table_name = ? and source_file = ? and list_contains(?, status)",
            [raw_table.name, result.source_file, replaced],
        )
        self.con.execute(
            f"insert into {LEDGER} values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                raw_table.name,
                result.source_file,
                digest,
                path.stat().st_size,
                result.status,
                result.rows_read,
                result.rows_loaded,
                result.rows_quarantined,
                result.rows_duplicated,
                result.message or None,
                self.loaded_at,
            ],
        )

    def _begin(self) -> None:
        self.con.execute("begin transaction")
        self._transaction_open = True
