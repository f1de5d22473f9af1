"""Load export files into ``raw.*`` with DuckDB's own readers, idempotently, losing nothing.

Every file is accounted for in ``raw._ingest_files`` (the ledger, keyed by content hash) and every
row read ends up in exactly one place: the raw table (loaded), ``raw._quarantine`` (cannot be
parsed, or breaks a row-level rule of its table: ``catalog.RowRule``) or the duplicate count (an
exact copy of a row already loaded). So for every file ``rows_read = rows_loaded + rows_quarantined
+ rows_duplicated``; ``marts.mart_load_audit`` shows it per file.

Whole-file outcomes (the ledger's ``status``): ``loaded``; ``unchanged`` (this path with this content
is already loaded; not recorded again); ``duplicate_file`` (the same content under another name);
``empty`` (zero bytes: nothing to load, the path's previous rows stay); ``rejected`` (a required
column is missing, there is no header, the text is not UTF-8, the gzip is corrupt: nothing of the
file is loaded, the message names the file and the column or byte, and the rows a previous good
version of the path loaded stay in place); ``removed`` (the path is no longer in the exports folder:
its rows, quarantine and copies records were taken out, as if it had never been dropped);
``ignored`` and ``no_files`` (written by ``record_unread``: a file seen and not read, with why; a
source folder nothing is read from).

Duplicates: a row is a duplicate when it is an exact copy of a row of the same file or of a row
another file loaded. A copy of another file's row is remembered (``raw._duplicate_rows``); when
that file is corrected or removed and the row is no longer loaded, the copy's file is loaded again
(``Loader.orphans``), so the row is never lost and no ledger row stays stale. Likewise a
``duplicate_file`` whose original no longer holds that content loads in its own right.

Idempotency: a file whose content hash is already loaded is skipped; the same content under another
name is recorded once as ``duplicate_file``; a file whose content changed at the same path replaces
that path's rows. Each file loads in one transaction (rows, quarantine and ledger together), so a
crash leaves the previous state and the next run loads the file again.

Test-only hook: with ``JOURNEY_TEST_KILL_BEFORE_COMMIT`` set to a table name or a file's relative
path, the process kills itself (SIGKILL) inside that file's transaction, just before the commit,
so the crash tests can stop a build mid-ingest at a known point.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import os
import re
import signal
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from dagster_project.ingest.catalog import (
    FAMILIES,
    NO_FAMILY,
    RAW_TABLES,
    Discovery,
    IgnoredEntry,
    RawTable,
    RowRule,
    scan_exports,
    table,
)
from dagster_project.project_vars import quality_var, timestamp_formats, timestamp_offset_formats
from dagster_project.settings import DBT_PROJECT_DIR

RAW_SCHEMA = "raw"
LEDGER = f"{RAW_SCHEMA}._ingest_files"
QUARANTINE = f"{RAW_SCHEMA}._quarantine"
DUPLICATES = f"{RAW_SCHEMA}._duplicate_rows"
REMOVED = "removed"  # ledger status of a path no longer in the exports folder (its rows taken out)
META_COLUMNS = ("_source_file", "_row_number", "_loaded_at", "_row_hash")
MAX_LINE_BYTES = 64 * 1024 * 1024  # a single field may legitimately be several MB
QUARANTINE_COLUMNS = (
    "table_name, source_file, file_hash, row_number, line_number, reason, raw_text, quarantined_at, rule"
)
KILL_HOOK = "JOURNEY_TEST_KILL_BEFORE_COMMIT"
UTF8_BOM = codecs.BOM_UTF8

# The dbt macro file whose `parse_timestamp` staging reads text times with; it and
# `parse_timestamp_sql` build one expression from the same vars of dbt_project.yml (project_vars).
TIMESTAMP_MACRO_FILE = DBT_PROJECT_DIR / "macros" / "parsing.sql"
REASON_VALUE_CHARS = 80  # how much of an offending value a quarantine reason quotes
# The quarantine's `rule` column: why a row was kept out, as a short name to count by.
RULE_NAMES = {"present": "missing_value", "not_future": "future_time", "nps_score": "nps_score"}

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
    encoding: str | None = None  # utf-8 | utf-8-bom (a byte-order mark was found and ignored)


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


def parse_timestamp_sql(expression: str) -> str:
    """DuckDB SQL reading text as a timestamp exactly as staging does (null when it cannot).

    Staging's ``duckdb__parse_timestamp`` macro and this function build the same expression from the
    same data, vars ``timestamp_formats`` and ``timestamp_offset_formats`` of ``dbt/dbt_project.yml``
    (``project_vars``), so ingest and staging never disagree about which dates are readable
    (``tests/test_import_layers.py`` compares the two on sample dates).
    """
    value = f"trim({expression})"
    formats = ", ".join(_literal(fmt) for fmt in timestamp_formats())
    parts = [
        f"try_strptime({value}, [{formats}])",
        f"try_cast(try_cast({value} as timestamptz) at time zone 'UTC' as timestamp)",
        *(
            f"try_cast(try_strptime({value}, {_literal(fmt)}) at time zone 'UTC' as timestamp)"
            for fmt in timestamp_offset_formats()
        ),
    ]
    return "coalesce(\n        " + ",\n        ".join(parts) + "\n    )"


def timestamp_parser_source() -> Path | None:
    """The dbt macro file of staging's ``parse_timestamp`` (None if the project has none)."""
    return TIMESTAMP_MACRO_FILE if TIMESTAMP_MACRO_FILE.is_file() else None


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
    # Added after the first release: older warehouses gain them in place.
    con.execute(f"alter table {LEDGER} add column if not exists file_modified_at timestamp")
    con.execute(f"alter table {LEDGER} add column if not exists encoding varchar")
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
    con.execute(f"alter table {QUARANTINE} add column if not exists rule varchar")
    # The rows of a file counted as exact copies of a row another file loaded: when that other file
    # changes or goes, the copy is loaded again from this file (see ``Loader.reload_orphans``).
    con.execute(
        f"""create table if not exists {DUPLICATES} (
            table_name varchar not null, source_file varchar not null, row_hash varchar not null
        )"""
    )
    for raw_table in tables:
        if raw_table.fmt == "csv":
            # a table no mapping names yet (generic profile) starts with its metadata columns only
            body = "".join(f"{_quote(column)} varchar, " for column in raw_table.columns)
        else:
            body = "record json, "
        con.execute(
            f"create table if not exists {RAW_SCHEMA}.{raw_table.name} ("
            f"{body}_source_file varchar not null, _row_number bigint not null, "
            f"_loaded_at timestamp not null, _row_hash varchar not null)"
        )


def discover(exports_dir: Path) -> dict[str, list[Path]]:
    """Every export file under ``exports_dir``, by the raw table it feeds (sorted, deterministic).

    ``catalog.scan_exports`` gives the rest: the files seen and not read, and why.
    """
    return scan_exports(exports_dir).files


def load_exports(
    con: duckdb.DuckDBPyConnection, exports_dir: Path, claimed: set[str] | None = None, log: Log | None = None
) -> tuple[Discovery, dict[str, TableResult]]:
    """Everything ingest does to one exports folder, in one call (the Dagster assets split it by table)."""
    discovery = scan_exports(exports_dir, claimed)
    loader = Loader(con, exports_dir, log=log)
    results = {
        name: loader.load_table(table(name), files, notes=discovery.recognised)
        for name, files in discovery.files.items()
        if files
    }
    record_unread(con, discovery, (NO_FAMILY, *FAMILIES), loader.loaded_at, log=log)
    return discovery, results


IGNORED = "ignored"  # ledger status of a file seen and not read (table_name: its folder family or '')
NO_FILES = "no_files"  # ledger status of a source folder nothing is read from (source_file: 'crm/')


def record_unread(
    con: duckdb.DuckDBPyConnection,
    discovery: Discovery,
    families: Iterable[str],
    loaded_at: datetime,
    log: Log | None = None,
) -> tuple[list[IgnoredEntry], list[str]]:
    """Replace the ledger's ``ignored`` and ``no_files`` rows of ``families`` with what was seen now.

    One ``ignored`` row per file (or folder named like a file) not read, with the reason; one
    ``no_files`` row per source folder from which nothing is read. Returns both, for the caller's log.
    """
    families = list(families)
    ignored = [entry for entry in discovery.ignored if entry.family in families]
    empty = [family for family in discovery.families_without_files() if family in families]
    ensure_tables(con, ())
    con.execute("begin transaction")
    con.execute(
        f"delete from {LEDGER} where list_contains(?, status) and list_contains(?, table_name)",
        [[IGNORED, NO_FILES], families],
    )
    rows = [(entry.family, entry.relative, *_stat(entry.path), IGNORED, entry.reason, loaded_at) for entry in ignored]
    for family in empty:
        unread = sum(1 for entry in discovery.ignored if entry.family == family)
        if not discovery.folder_exists(family):
            why = "the folder does not exist"
        elif unread:
            why = f"none of its {unread} file(s) can be read (see the 'ignored' rows)"
        else:
            why = "the folder is empty"
        tables = ", ".join(raw_table.name for raw_table in RAW_TABLES if raw_table.folder == family)
        message = f"{family}/: no export file ({why}); nothing loaded into {tables}"
        rows.append((family, f"{family}/", None, None, NO_FILES, message, loaded_at))
    if rows:
        con.executemany(
            f"""insert into {LEDGER} (table_name, source_file, file_hash, file_bytes, file_modified_at, status,
                message, loaded_at) values (?, ?, '', ?, ?, ?, ?, ?)""",
            rows,
        )
    con.execute("commit")
    if log is not None:
        for entry in ignored:
            log(f"not read: {entry.reason}")
        for row in rows[len(ignored) :]:
            log(row[5])
    return ignored, empty


def _stat(path: Path) -> tuple[int | None, datetime | None]:
    """Size and modification time of a file; (None, None) for a folder or a broken link."""
    if not path.is_file():
        return None, None
    return path.stat().st_size, _file_modified_at(path)


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


GLOB_CHARACTERS = frozenset("*?[]{}")


@contextmanager
def literal_path(path: Path) -> Iterator[Path]:
    """A path DuckDB's readers take literally: ``path`` itself, or a link to it with a plain name.

    DuckDB's ``read_csv`` treats a path string as a glob pattern and has no option to turn that off,
    so ``exports [1].csv`` would read ``exports 1.csv``. A path holding a glob character is read
    through a symbolic link named ``export<suffixes>`` (the suffixes keep ``.gz`` detection) in a
    private temporary folder, removed afterwards.
    """
    if not GLOB_CHARACTERS.intersection(str(path)):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="journey_ingest_") as folder:
        suffixes = "".join(suffix for suffix in path.suffixes[-2:] if re.fullmatch(r"\.[A-Za-z0-9]+", suffix))
        link = Path(folder) / f"export{suffixes}"
        if GLOB_CHARACTERS.intersection(str(link)):
            raise FileRejected(
                f"{path.name}: the name holds a glob character and the temporary folder {folder} does too; "
                "set TMPDIR to a plain folder"
            )
        link.symlink_to(path.resolve())
        yield link


def _open_binary(path: Path) -> io.BufferedIOBase:
    return gzip.open(path, "rb") if path.suffix == ".gz" else path.open("rb")


def _open_text(path: Path) -> io.TextIOBase:
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="")


def check_encoding(path: Path, relative: str) -> str:
    """``utf-8`` or ``utf-8-bom`` when the whole file is UTF-8 text; else FileRejected naming the line.

    The whole file is decoded (in blocks, C speed): a file in another encoding would otherwise load
    its ASCII rows and quarantine exactly the rows with accents or other scripts, a biased loss.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset, encoding = 1, 0, "utf-8"
    try:
        with _open_binary(path) as handle:
            first = True
            for block in iter(lambda: handle.read(1 << 20), b""):
                if first:
                    first = False
                    if block.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                        raise FileRejected(
                            f"{relative}: UTF-16 text (Excel 'Unicode text'); save or re-export it as "
                            "CSV UTF-8 and drop it again"
                        )
                    if block.startswith(UTF8_BOM):
                        encoding = "utf-8-bom"
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as error:
                    bad = offset + error.start
                    line += block[: error.start].count(b"\n")
                    raise FileRejected(
                        f"{relative}: not UTF-8 text (line {line}, byte {bad}: "
                        f"{block[error.start : error.start + 4]!r}); the tool exported it in another "
                        "encoding (e.g. Windows-1252): re-export it as UTF-8. Nothing of the file was "
                        "loaded."
                    ) from error
                line += block.count(b"\n")
                offset += len(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        raise FileRejected(f"{relative}: the file ends inside a UTF-8 character; re-export it") from error
    except (OSError, EOFError, zlib.error) as error:
        raise FileRejected(f"{relative}: cannot be read ({error}); is the gzip file complete?") from error
    return encoding


def read_csv_header(path: Path) -> list[str]:
    """The header row as the tool wrote it (BOM stripped). Raises FileRejected if unreadable."""
    try:
        with _open_text(path) as handle:
            header = next(csv.reader(handle), None)
    except UnicodeDecodeError as error:
        raise FileRejected(f"{path.name}: not UTF-8 text (byte {error.start}); re-export the file as UTF-8") from error
    except csv.Error as error:
        raise FileRejected(f"{path.name}: the header row cannot be read as CSV ({error})") from error
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


def _file_modified_at(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None)


MAX_QUOTE_REPAIRS = 20
QUOTE_MARKER = "\x01journey-unclosed-quote-"


@dataclass(frozen=True)
class CsvReject:
    """A record DuckDB's CSV reader could not parse: its record line, byte offset, reason and text."""

    line: int
    byte: int
    reason: str
    text: str

    @property
    def absorbed(self) -> int:
        """How many physical lines after its first this record swallowed (0: a one-line record)."""
        return self.text.strip("\r\n").count("\n")


def _replace_first_lines(
    source: Path, target: Path, rejects: list[CsvReject], marker: str, width: int
) -> dict[str, CsvReject]:
    """Copy ``source`` to ``target`` with the first physical line of each reject replaced by a marker line.

    The marker line has ``width`` + 1 fields, so the reader always rejects it (too many columns).
    DuckDB's reported byte offset is approximate (off by a byte or two around byte-order marks and
    CRLF), so the line's own text is looked for near it. Returns marker text → reject, for the lines
    found and replaced. The copy is streamed in blocks: no per-row work in Python.
    """
    cuts: list[tuple[int, int, str, bytes, CsvReject]] = []
    with _open_binary(source) as handle:
        for index, reject in enumerate(sorted(rejects, key=lambda item: item.byte)):
            first = reject.text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r").encode("utf-8")
            start = max(0, reject.byte - 16)
            handle.seek(start)
            window = handle.read(len(first) + 34)
            found = window.find(first) if first else -1
            if found < 0:
                continue
            begin = start + found
            rest = window[found + len(first) :]
            newline = b"\r\n" if rest.startswith(b"\r\n") else b"\n" if rest.startswith(b"\n") else b""
            end = begin + len(first) + len(newline)
            if cuts and begin < cuts[-1][1]:
                continue
            cuts.append((begin, end, f"{marker}{index}" + ",x" * width, newline or b"\n", reject))
        handle.seek(0)
        position = 0
        with target.open("wb") as out:
            for begin, end, text, newline, _ in cuts:
                _copy_bytes(handle, out, begin - position)
                out.write(text.encode("utf-8") + newline)  # the file's own line ending: the reader detects it
                handle.seek(end)
                position = end
            _copy_bytes(handle, out, None)
    return {text: reject for _, _, text, _, reject in cuts}


def _copy_bytes(handle: io.BufferedIOBase, out: io.BufferedIOBase, count: int | None) -> None:
    """Copy ``count`` bytes (all that is left when None) from ``handle`` to ``out`` in 1 MiB blocks."""
    while count is None or count > 0:
        block = handle.read(1 << 20 if count is None else min(count, 1 << 20))
        if not block:
            return
        out.write(block)
        if count is not None:
            count -= len(block)


class RowRules:
    """The SQL of a table's row-level rules (``catalog.RowRule``) over the incoming rows.

    ``violation()`` is a SQL expression giving the reason of the first rule a row breaks, or null;
    ``rule()`` the name of that rule (``missing_value``, ``future_time``, ``nps_score``).
    Fields absent from a CSV file read as null, so a rule on an optional column never rejects a file.
    """

    def __init__(self, raw_table: RawTable, columns: Iterable[str], file_modified_at: datetime, tolerance: timedelta):
        self.raw_table = raw_table
        self.columns = set(columns)
        self.file_modified_at = file_modified_at
        self.not_after = file_modified_at + tolerance
        self.tolerance_hours = tolerance.total_seconds() / 3600

    def value(self, name: str) -> str:
        if self.raw_table.fmt == "jsonl":
            return f"json_extract_string(record, {_literal('$.' + name)})"
        return _quote(name) if name in self.columns else "cast(null as varchar)"

    def violation(self) -> str:
        return self._case(lambda name, reason: reason)

    def rule(self) -> str:
        return self._case(lambda name, reason: _literal(name))

    def _case(self, pick: Callable[[str, str], str]) -> str:
        branches = [
            (test, pick(RULE_NAMES[kind], reason))
            for rule in self.raw_table.rules
            for kind, test, reason in self._branches(rule)
        ]
        if not branches:
            return "cast(null as varchar)"
        return "case " + " ".join(f"when {test} then {then}" for test, then in branches) + " end"

    def _branches(self, rule: RowRule) -> list[tuple[str, str, str]]:
        """(kind, SQL test true when the rule is broken, SQL reason) for one rule."""
        value = self.value(rule.field)
        quoted = f"'''' || left({value}, {REASON_VALUE_CHARS}) || ''''"
        blank = f"nullif(trim({value}), '') is null"
        missing = ("present", blank, _literal(f"missing required value: {rule.field}"))
        limit = f"{_literal(self.not_after.isoformat(sep=' ', timespec='seconds'))}::timestamp"
        after = _literal(
            f" is after the export file was written ({self.file_modified_at:%Y-%m-%d %H:%M} UTC, its "
            f"modification time; tolerance {self.tolerance_hours:g} h, var quality_future_tolerance_hours)"
        )
        if rule.kind == "present":
            return [missing]
        if rule.kind == "not_future":
            reason = f"{_literal(rule.field + ' ')} || {quoted} || {after}"
            return [("not_future", f"{parse_timestamp_sql(value)} > {limit}", reason)]
        if rule.kind == "unix_not_future":
            return [
                (
                    "not_future",
                    f"try_cast(trim({value}) as double) > epoch({limit})",
                    f"{_literal(rule.field + ' ')} || {quoted} || {_literal(' (unix seconds)')} || {after}",
                )
            ]
        # nps_score: only rows that are NPS (survey_type nps or blank) are held to 0–10.
        survey_type = self.value("survey_type")
        is_nps = f"coalesce(nullif(lower(trim({survey_type})), ''), 'nps') = 'nps'"
        whole = (
            f"coalesce(regexp_full_match(trim({value}), '[0-9]+(\\.0+)?') "
            f"and try_cast(trim({value}) as double) between 0 and 10, false)"
        )
        return [
            (
                "nps_score",
                f"{is_nps} and not {whole}",
                f"{_literal(rule.field + ' ')} || coalesce({quoted}, '(blank)') || "
                f"{_literal(' is not an NPS score (a whole number 0–10)')}",
            )
        ]


class Loader:
    """Loads files into one warehouse connection; see the module docstring for the guarantees."""

    def __init__(self, con: duckdb.DuckDBPyConnection, exports_dir: Path, log: Log | None = None):
        self.con = con
        self.exports_dir = exports_dir
        self.log = log or (lambda message: None)
        self.loaded_at = datetime.now(UTC).replace(tzinfo=None)
        self.future_tolerance = timedelta(hours=float(quality_var("quality_future_tolerance_hours")))
        self._transaction_open = False
        self._note = ""
        ensure_tables(con)

    # -- public ---------------------------------------------------------------------------
    def load_table(self, raw_table: RawTable, files: list[Path], notes: dict[Path, str] | None = None) -> TableResult:
        """Load ``files`` in order; ``notes`` (e.g. how discovery placed a file) go to the ledger message."""
        result = TableResult(table=raw_table.name)
        result.files += self.remove_missing(raw_table, files)
        for index, path in enumerate(files, start=1):
            file_result = self.load_file(raw_table, path, note=(notes or {}).get(path, ""))
            result.files.append(file_result)
            self._log_result(raw_table, f"{index}/{len(files)}", file_result)
        by_relative = {path.relative_to(self.exports_dir).as_posix(): path for path in files}
        for relative in self.orphans(raw_table):
            # checked again: loading one orphan may give another its original back
            if relative in by_relative and relative in self.orphans(raw_table):
                path = by_relative[relative]
                file_result = self.load_file(raw_table, path, note=(notes or {}).get(path, ""), force=True)
                result.files = [file_result if item.source_file == relative else item for item in result.files]
                self._log_result(raw_table, "again (the rows it duplicated are gone)", file_result)
        result.total_rows = self.con.execute(f"select count(*) from {RAW_SCHEMA}.{raw_table.name}").fetchall()[0][0]
        return result

    def _log_result(self, raw_table: RawTable, position: str, file_result: FileResult) -> None:
        self.log(
            f"[{raw_table.name}] {position} {file_result.source_file}: {file_result.status}"
            + (
                f" read={file_result.rows_read} loaded={file_result.rows_loaded}"
                f" quarantined={file_result.rows_quarantined}"
                f" duplicates={file_result.rows_duplicated}"
                if file_result.status == "loaded"
                else ""
            )
            + (f" — {file_result.message}" if file_result.message else "")
        )

    def remove_missing(self, raw_table: RawTable, files: list[Path]) -> list[FileResult]:
        """Take out the rows of every path this table loaded that is no longer among ``files``.

        The exports folder is the truth: a file deleted (or renamed, or no longer matching) leaves
        the warehouse as if it had never been dropped, one transaction per path, and the ledger keeps
        one ``removed`` row saying so. Copies of its rows that other files hold load again
        (``orphans``).
        """
        present = {path.relative_to(self.exports_dir).as_posix() for path in files}
        known = self.con.execute(
            f"select distinct source_file from {LEDGER} where table_name = ? and status <> ? order by 1",
            [raw_table.name, REMOVED],
        ).fetchall()
        results = []
        for (relative,) in known:
            if relative in present:
                continue
            self._begin()
            rows = self._forget(raw_table, relative, statuses=None)
            message = (
                f"{relative}: no longer in the exports folder; its {rows} row(s) were taken out of "
                f"raw.{raw_table.name} (drop the file again to load it)"
            )
            self.con.execute(
                f"""insert into {LEDGER} (table_name, source_file, file_hash, status, message, loaded_at)
                values (?, ?, '', ?, ?, ?)""",
                [raw_table.name, relative, REMOVED, message, self.loaded_at],
            )
            self.con.execute("commit")
            self._transaction_open = False
            results.append(FileResult(relative, REMOVED, message=message))
            self._log_result(raw_table, "gone", results[-1])
        return results

    def _forget(self, raw_table: RawTable, relative: str, statuses: list[str] | None) -> int:
        """Within the open transaction: delete a path's rows, quarantine, duplicate records and ledger rows
        (of ``statuses``, or all); the number of raw rows deleted."""
        target = f"{RAW_SCHEMA}.{raw_table.name}"
        rows = self.con.execute(f"select count(*) from {target} where _source_file = ?", [relative]).fetchall()[0][0]
        self.con.execute(f"delete from {target} where _source_file = ?", [relative])
        for table_name in (QUARANTINE, DUPLICATES):
            self.con.execute(
                f"delete from {table_name} where table_name = ? and source_file = ?", [raw_table.name, relative]
            )
        condition, parameters = ("", []) if statuses is None else (" and list_contains(?, status)", [statuses])
        self.con.execute(
            f"delete from {LEDGER} where table_name = ? and source_file = ?{condition}",
            [raw_table.name, relative, *parameters],
        )
        return int(rows)

    def orphans(self, raw_table: RawTable) -> list[str]:
        """Paths to load again: rows counted as copies of a row that is no longer loaded, or content
        recorded as a ``duplicate_file`` of a file that no longer holds it."""
        target = f"{RAW_SCHEMA}.{raw_table.name}"
        rows = self.con.execute(
            f"""select distinct source_file from {DUPLICATES} as copies
            where table_name = ?
              and not exists (select 1 from {target} as loaded where loaded._row_hash = copies.row_hash)
            union
            select source_file from {LEDGER} as copies
            where table_name = ? and status = 'duplicate_file' and not exists (
                select 1 from {LEDGER} as original
                where original.table_name = copies.table_name and original.file_hash = copies.file_hash
                  and original.status in ('loaded', 'empty') and original.source_file <> copies.source_file
            )
            order by 1""",
            [raw_table.name, raw_table.name],
        ).fetchall()
        return [row[0] for row in rows]

    def load_file(self, raw_table: RawTable, path: Path, note: str = "", force: bool = False) -> FileResult:
        """Load one file (see the module docstring); ``force`` loads it even when its content is unchanged."""
        relative = path.relative_to(self.exports_dir).as_posix()
        self._note = note
        digest = file_hash(path)
        known = self.con.execute(
            f"select source_file, status from {LEDGER} where table_name = ? and file_hash = ? "
            "and status in ('loaded', 'duplicate_file', 'empty')",
            [raw_table.name, digest],
        ).fetchall()
        originals = [source for source, status in known if status in ("loaded", "empty") and source != relative]
        if force or (not originals and (relative, "duplicate_file") in known):
            # loaded again on purpose, or a copy whose original no longer holds this content
            known = [(source, status) for source, status in known if source != relative]
        if any(source == relative for source, _ in known):
            # Back to content already loaded: an earlier rejection of this path no longer holds.
            self.con.execute(
                f"delete from {LEDGER} where table_name = ? and source_file = ? and status = 'rejected'",
                [raw_table.name, relative],
            )
            return FileResult(relative, "unchanged")
        if any(status in ("loaded", "empty") for _, status in known):
            original = next(source for source, status in known if status in ("loaded", "empty"))
            message = f"same content as {original}; not loaded again"
            self._begin()
            self._forget(raw_table, relative, statuses=["loaded", "rejected", "empty", REMOVED])
            self._record(raw_table, FileResult(relative, "duplicate_file", message=message), digest, path)
            self.con.execute("commit")
            self._transaction_open = False
            return FileResult(relative, "duplicate_file", message=message)
        if path.stat().st_size == 0:
            result = FileResult(
                relative, "empty", message="empty file (0 bytes): nothing loaded, earlier rows of this path kept"
            )
            self._record(raw_table, result, digest, path)
            return result
        try:
            encoding = check_encoding(path, relative)
            with literal_path(path) as readable:
                if raw_table.fmt == "csv":
                    result = self._load_csv(raw_table, path, relative, digest, encoding, readable)
                else:
                    result = self._load_jsonl(raw_table, path, relative, digest, encoding, readable)
        except FileRejected as rejection:
            result = FileResult(relative, "rejected", message=str(rejection))
            if self._transaction_open:
                self.con.execute("rollback")
                self._transaction_open = False
            self._record(raw_table, result, digest, path)
        return result

    # -- formats --------------------------------------------------------------------------
    def _load_csv(
        self, raw_table: RawTable, path: Path, relative: str, digest: str, encoding: str, readable: Path
    ) -> FileResult:
        header = read_csv_header(path)
        if not header:
            raise FileRejected(f"{relative}: no header row; expected columns {', '.join(raw_table.required)}")
        missing = [column for column in raw_table.required if column not in header]
        if missing:
            raise FileRejected(
                f"{relative}: missing required column {', '.join(repr(column) for column in missing)}; "
                f"found {', '.join(repr(column) for column in header[:12])}"
                + (" …" if len(header) > 12 else "")
                + ". Nothing of the file was loaded; re-export it with that column."
            )
        names = _dedupe_names(header)
        existing = _existing_columns(self.con, raw_table.name)
        for name in names:
            if name not in existing:
                self.con.execute(f"alter table {RAW_SCHEMA}.{raw_table.name} add column {_quote(name)} varchar")
        columns = "{" + ", ".join(f"{_literal(name)}: 'VARCHAR'" for name in names) + "}"
        row_text = " || chr(31) || ".join(f"coalesce({_quote(name)}, chr(30))" for name in names)
        # The row as CSV text again, for the quarantine of rows a row-level rule rejects.
        csv_text = " || ',' || ".join(
            f"coalesce('\"' || replace({_quote(name)}, '\"', '\"\"') || '\"', '')" for name in names
        )

        def read(source: Path) -> list[CsvReject]:
            reader = (
                f"read_csv({_literal(str(source))}, columns={columns}, header=false, skip=1, delim=',', "
                f"quote='\"', escape='\"', auto_detect=false, store_rejects=true, "
                f"rejects_table='_rejects', rejects_scan='_rejects_scan', max_line_size={MAX_LINE_BYTES})"
            )
            self.con.execute(
                f"create or replace temp table _incoming as select *, ordinality as _ordinal, "
                f"md5({row_text}) as _row_hash from {reader} with ordinality"
            )
            return self._csv_rejects()

        self._begin()
        rejects = read(readable)
        with tempfile.TemporaryDirectory(prefix="journey_ingest_") as folder:
            rejects = self._reread_after_unclosed_quotes(readable, Path(folder), rejects, read, len(names))
        select_list = ", ".join(_quote(name) for name in names)
        rules = RowRules(raw_table, names, _file_modified_at(path), self.future_tolerance)
        quarantine = [(reject.line, reject.reason, reject.text, "unparseable_row") for reject in rejects]
        return self._finish(
            raw_table, relative, digest, path, select_list, quarantine, rules, encoding, raw_text=csv_text
        )

    def _reread_after_unclosed_quotes(
        self,
        readable: Path,
        folder: Path,
        rejects: list[CsvReject],
        read: Callable[[Path], list[CsvReject]],
        width: int,
    ) -> list[CsvReject]:
        """Give back the good rows an unclosed quote swallowed.

        A quote that is opened and never closed makes DuckDB read the following physical lines as
        part of the same field, up to the next quote: one quarantined record that holds good rows.
        Each such record's first physical line (where the quote opens) is replaced, in a private
        copy of the file, by a marker line the reader rejects on its own, and the copy is read again:
        the absorbed lines now parse as the rows they are. The marker's quarantine row gets back the
        bad line's text, with a reason that says how many lines it had absorbed. Repeated (at most
        ``MAX_QUOTE_REPAIRS`` times) while a record still spans lines. A record that legitimately
        spans lines (a quoted line break) but is broken otherwise is treated the same way.
        """
        repaired: dict[str, CsvReject] = {}
        source = readable
        for attempt in range(1, MAX_QUOTE_REPAIRS + 1):
            spanning = [reject for reject in rejects if reject.absorbed and reject.text not in repaired]
            if not spanning:
                break
            copy = folder / f"repaired_{attempt}.csv"
            cuts = _replace_first_lines(source, copy, spanning, f"{QUOTE_MARKER}{attempt}:", width)
            if not cuts:
                break
            for marker, reject in cuts.items():
                repaired[marker] = reject
            source = copy
            rejects = read(source)
        result = []
        for reject in rejects:
            original = repaired.get(reject.text.strip("\r\n"))
            if original is None:
                result.append(reject)
                continue
            first_line = original.text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
            reason = (
                f"{original.reason}; an unclosed quote in this row had absorbed the next {original.absorbed} "
                "physical line(s), which were read again as rows of their own"
            )
            result.append(CsvReject(reject.line, reject.byte, reason, first_line))
        return result

    def _csv_rejects(self) -> list[CsvReject]:
        """Each record the CSV reader could not parse, one per record."""
        try:
            rows = self.con.execute(
                "select line, min(line_byte_position), "
                "string_agg(distinct error_type || coalesce(': ' || column_name, ''), '; '), "
                "any_value(csv_line) from _rejects group by line order by line"
            ).fetchall()
        except duckdb.CatalogException:
            return []
        self.con.execute("drop table if exists _rejects")
        self.con.execute("drop table if exists _rejects_scan")
        return [
            CsvReject(int(line), int(byte or 0), f"unparseable CSV row ({reason})", text)
            for line, byte, reason, text in rows
        ]

    def _load_jsonl(
        self, raw_table: RawTable, path: Path, relative: str, digest: str, encoding: str, readable: Path
    ) -> FileResult:
        reader = (
            f"read_csv({_literal(str(readable))}, columns={{'line': 'VARCHAR'}}, header=false, delim=chr(1), "
            f"quote='', escape='', auto_detect=false, strict_mode=false, null_padding=true, "
            f"max_line_size={MAX_LINE_BYTES})"
        )
        required_missing = " or ".join(
            f"json_extract(line, {_literal('$.' + key)}) is null" for key in raw_table.required
        )
        self._begin()
        # A byte-order mark before the first object is not part of it.
        self.con.execute(
            f"""create or replace temp table _lines as
            select ordinality as _line,
                   case when ordinality = 1 then ltrim(line, chr(65279)) else line end as line
            from {reader} with ordinality"""
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
                line,
                case when not json_valid(line) then 'invalid_json'
                     when json_type(line::json) <> 'OBJECT' then 'not_an_object'
                     else 'missing_field'
                end
            from _lines
            where line is not null and trim(line) <> ''
              and (not json_valid(line) or json_type(line::json) <> 'OBJECT' or ({required_missing}))
            order by _line"""
        ).fetchall()
        self.con.execute("drop table _lines")
        rejects = [(int(line), reason, text, rule) for line, reason, text, rule in invalid]
        rules = RowRules(raw_table, (), _file_modified_at(path), self.future_tolerance)
        return self._finish(
            raw_table,
            relative,
            digest,
            path,
            "record",
            rejects,
            rules,
            encoding,
            raw_text="cast(record as varchar)",  # DuckDB keeps a JSON value's text as it was written
            header_lines=0,
            reader_skips_rejects=False,
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
        rejects: list[tuple[int, str, str, str]],
        rules: RowRules,
        encoding: str,
        raw_text: str,
        header_lines: int = 1,
        reader_skips_rejects: bool = True,
    ) -> FileResult:
        """Within the open transaction: replace this path's rows, apply the row-level rules, drop
        duplicates, quarantine, record in the ledger, commit."""
        target = f"{RAW_SCHEMA}.{raw_table.name}"
        self.con.execute(f"delete from {target} where _source_file = ?", [relative])
        for table_name in (QUARANTINE, DUPLICATES):
            self.con.execute(
                f"delete from {table_name} where table_name = ? and source_file = ?", [raw_table.name, relative]
            )
        # Data row numbers: the reader's ordinal skips rejected records, so shift it past them.
        rejected_rows = sorted(reject[0] - header_lines for reject in rejects) if reader_skips_rejects else []
        self.con.execute("create or replace temp table _rejected_rows (row_number bigint, gap bigint)")
        if rejected_rows:
            self.con.executemany(
                "insert into _rejected_rows values (?, ?)",
                [(row, row - index) for index, row in enumerate(rejected_rows, start=1)],
            )
        self.con.execute(
            f"""create or replace temp table _checked as
            select incoming.*,
                   incoming._ordinal + (select count(*) from _rejected_rows where gap < incoming._ordinal)
                       as _row_number,
                   {rules.violation()} as _violation,
                   {rules.rule()} as _rule,
                   incoming._row_hash in (select _row_hash from {target}) as _in_other_file
            from _incoming as incoming"""
        )
        # Duplicates are judged among the rows that pass the rules: every broken row is quarantined.
        self.con.execute(
            """create or replace temp table _numbered as
            select checked.*,
                   checked._violation is null and (
                       row_number() over (
                           partition by checked._row_hash, checked._violation is null order by checked._ordinal
                       ) > 1
                       or checked._in_other_file
                   ) as _is_duplicate,
                   checked._violation is null and checked._in_other_file as _copies_another_file
            from _checked as checked"""
        )
        self.con.execute(
            f"insert into {DUPLICATES} select distinct ?, ?, _row_hash from _numbered where _copies_another_file",
            [raw_table.name, relative],
        )
        loaded_at = self.loaded_at
        self.con.execute(
            f"""insert into {target} by name
            select {select_list}, {_literal(relative)} as _source_file, _row_number,
                   ?::timestamp as _loaded_at, _row_hash
            from _numbered where _violation is null and not _is_duplicate order by _row_number""",
            [loaded_at],
        )
        counts = self.con.execute(
            "select count(*) filter (where _violation is null and not _is_duplicate), "
            "count(*) filter (where _is_duplicate), count(*) filter (where _violation is not null) "
            "from _numbered"
        ).fetchall()[0]
        if rejects:
            self.con.executemany(
                f"insert into {QUARANTINE} ({QUARANTINE_COLUMNS}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (raw_table.name, relative, digest, line - header_lines, line, reason, text, loaded_at, rule)
                    for line, reason, text, rule in rejects
                ],
            )
        # A CSV row's line is known only when no field spans lines, so it is left null for CSV.
        line_number = "_row_number" if header_lines == 0 else "cast(null as bigint)"
        self.con.execute(
            f"""insert into {QUARANTINE} ({QUARANTINE_COLUMNS})
            select ?, ?, ?, _row_number, {line_number}, _violation, {raw_text}, ?::timestamp, _rule
            from _numbered where _violation is not null order by _row_number""",
            [raw_table.name, relative, digest, loaded_at],
        )
        for temporary in ("_incoming", "_checked", "_numbered", "_rejected_rows"):
            self.con.execute(f"drop table {temporary}")
        loaded, duplicated, broken = int(counts[0]), int(counts[1]), int(counts[2])
        quarantined = len(rejects) + broken
        notes = ["UTF-8 byte-order mark at the start (ignored)"] if encoding == "utf-8-bom" else []
        notes += [self._note] if self._note else []
        result = FileResult(
            relative,
            "loaded",
            rows_read=loaded + duplicated + quarantined,
            rows_loaded=loaded,
            rows_quarantined=quarantined,
            rows_duplicated=duplicated,
            message="; ".join(notes),
            encoding=encoding,
        )
        self._record(raw_table, result, digest, path)
        self._test_crash_hook(raw_table, relative)
        self.con.execute("commit")
        self._transaction_open = False
        return result

    def _record(self, raw_table: RawTable, result: FileResult, digest: str, path: Path) -> None:
        # The ledger keeps one row per path and outcome: the content now loaded from it, the
        # latest rejection of it, its duplicate-file record, its latest empty drop.
        replaced = [result.status, REMOVED] + (["rejected", "duplicate_file"] if result.status == "loaded" else [])
        self.con.execute(
            f"delete from {LEDGER} where table_name = ? and source_file = ? and list_contains(?, status)",
            [raw_table.name, result.source_file, replaced],
        )
        self.con.execute(
            f"""insert into {LEDGER} (
                table_name, source_file, file_hash, file_bytes, status, rows_read, rows_loaded,
                rows_quarantined, rows_duplicated, message, loaded_at, file_modified_at, encoding
            ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
                _file_modified_at(path),
                result.encoding,
            ],
        )

    def _begin(self) -> None:
        self.con.execute("begin transaction")
        self._transaction_open = True

    @staticmethod
    def _test_crash_hook(raw_table: RawTable, relative: str) -> None:
        """Test-only: die inside the transaction when ``JOURNEY_TEST_KILL_BEFORE_COMMIT`` names this file."""
        target = os.environ.get(KILL_HOOK)
        if target and target in (raw_table.name, relative):
            os.kill(os.getpid(), signal.SIGKILL)
