"""Publish the marts for BI readers: a DuckDB file any DuckDB from 1.2 on opens, and Parquet files.

Every publication is one folder, ``publications/<publication id>/``, holding ``marts.duckdb`` and
``parquet/``; one pointer, the symlink ``publications/current``, names the live one. A publication is
written in full under a hidden name, renamed to its id, and then the pointer is switched with one
``rename(2)`` (atomic on one file system). The stable paths BI tools use are symlinks through the
pointer, so they switch together with it::

    <publish dir>/marts.duckdb -> publications/current/marts.duckdb
    <publish dir>/parquet      -> publications/current/parquet
    <publish dir>/publications/current -> <publication id>
    <publish dir>/publications/<publication id>/{marts.duckdb, parquet/<mart>.parquet, parquet/_publication.json}

A reader therefore sees the previous set or the new set, never a mix (a reader that opens several
files one after another resolves the pointer once: ``current_publication``). The last two
publications are kept, so a reader still holding the previous one keeps reading it.

What is published differs from the warehouse on purpose (``PublishPolicy``):
- e-mail addresses (``email``, ``respondent``) become a pseudonymous key, HMAC-SHA256 of the
  lower-cased address under a secret kept beside the warehouse, unless ``JOURNEY_PUBLISH_EMAILS=raw``;
- money (every ``DECIMAL`` column, and ``arpa``) is rounded to the reporting currency's minor unit;
- files and folders are owner-only unless ``JOURNEY_FILE_ACCESS`` says ``group`` or ``world``.

The marts are discovered in the warehouse, never listed here.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import signal
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import yaml

from dagster_project import settings

MARTS_SCHEMA = "marts"
# In the published file the marts sit in the default schema: its catalog is already called "marts"
# (from the file name), so a schema of that name would make `marts.<mart>` ambiguous.
PUBLISHED_SCHEMA = "main"
LEDGER_SCHEMA = "meta"
PUBLISHED_DUCKDB = "marts.duckdb"
PARQUET_FOLDER = "parquet"
MANIFEST_NAME = "_publication.json"
PUBLICATION_TABLE = "publication"
PUBLICATIONS_FOLDER = "publications"
CURRENT_POINTER = "current"
PUBLICATIONS_KEPT = 2
# The oldest DuckDB storage format BI tools bundling DuckDB 1.2 or later can read.
STORAGE_VERSION = "v1.2.0"

# Columns that hold an e-mail address, published as a pseudonymous key unless configured otherwise.
EMAIL_COLUMNS = frozenset({"email", "respondent"})
# Money that is not DECIMAL in the marts (a mean of amounts); every DECIMAL column of a mart is money.
MONEY_DOUBLE_COLUMNS = frozenset({"arpa"})
PSEUDONYM_KEY_FILE = ".journey_pseudonym.key"
PSEUDONYM_HEX_DIGITS = 32  # 128 bits of HMAC-SHA256: no collision among any real number of people

EMAILS_ENV = "JOURNEY_PUBLISH_EMAILS"  # "pseudonym" (default) or "raw"
ACCESS_ENV = settings.FILE_ACCESS_ENV
# Test hook: SIGKILL this process at the named step (see KILL_POINTS), to prove a reader never
# sees a mix of publications whatever moment a publication dies at.
KILL_ENV = "JOURNEY_TEST_KILL_PUBLISH_AT"
KILL_POINTS = ("staged", "renamed", "pointer_staged", "switched", "linked")

DBT_PROJECT_FILE = settings.DBT_PROJECT_DIR / "dbt_project.yml"
CURRENCIES_SEED = settings.DBT_PROJECT_DIR / "seeds" / "currencies.csv"


class PublishError(RuntimeError):
    """The marts could not be published; the previous publication is left as it was."""


@dataclass(frozen=True)
class TableDoc:
    """A mart's description and its columns' descriptions (from the dbt manifest)."""

    description: str = ""
    columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishPolicy:
    """What a publication does to the marts on the way out, and who may read the files."""

    raw_emails: bool = False
    pseudonym_key: bytes | None = None  # required unless raw_emails
    money_digits: int | None = 2  # the reporting currency's minor unit; None keeps full precision
    currency: str | None = "usd"  # the reporting currency, named in the ledger for readers (the report)
    file_mode: int = 0o600
    dir_mode: int = 0o700


@dataclass(frozen=True)
class Publication:
    publication_id: str
    published_at: datetime
    duckdb_path: Path  # the stable path (a symlink through the pointer)
    parquet_dir: Path  # the stable path (a symlink through the pointer)
    folder: Path  # the publication's own folder
    row_counts: dict[str, int]

    @property
    def marts(self) -> list[str]:
        return sorted(self.row_counts)


def published_paths(publish_dir: Path) -> tuple[Path, Path]:
    """The stable published DuckDB file and Parquet folder inside ``publish_dir``."""
    return publish_dir / PUBLISHED_DUCKDB, publish_dir / PARQUET_FOLDER


def current_publication(publish_dir: Path) -> Path | None:
    """The folder of the live publication (the pointer, resolved once), or None before the first."""
    pointer = Path(publish_dir) / PUBLICATIONS_FOLDER / CURRENT_POINTER
    if not pointer.is_symlink():
        return None
    return pointer.parent / os.readlink(pointer)


def publication_summary(publish_dir: Path) -> dict[str, Path]:
    """What a build summary should show readers: the stable paths and the live publication's folder
    (empty before the first publication)."""
    live = current_publication(publish_dir)
    if live is None:
        return {}
    duckdb_path, parquet_path = published_paths(Path(publish_dir))
    return {"marts.duckdb": duckdb_path, "parquet": parquet_path, "live publication": live}


def new_publication_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


# --- configuration ---------------------------------------------------------------------------


def access_modes(value: str | None = None) -> tuple[int, int]:
    """(file mode, folder mode) for ``JOURNEY_FILE_ACCESS`` (owner, group or world; default owner)."""
    try:
        return settings.file_access_modes(value)
    except ValueError as error:
        raise PublishError(str(error)) from error


def currency_minor_digits(
    project_file: Path = DBT_PROJECT_FILE, currencies_seed: Path = CURRENCIES_SEED
) -> tuple[str, int]:
    """The reporting currency (dbt var ``reporting_currency``) and its minor-unit digits (seed)."""
    project = yaml.safe_load(Path(project_file).read_text(encoding="utf-8"))
    currency = str((project.get("vars") or {}).get("reporting_currency", "usd")).strip().lower()
    with Path(currencies_seed).open(encoding="utf-8", newline="") as handle:
        digits = {row["currency"].strip().lower(): int(row["minor_unit_digits"]) for row in csv.DictReader(handle)}
    if currency not in digits:
        raise PublishError(
            f"reporting_currency '{currency}' (in {project_file}) has no row in {currencies_seed}: add its "
            "minor_unit_digits there"
        )
    return currency, digits[currency]


def pseudonym_key(warehouse: Path) -> bytes:
    """The secret of the pseudonymous keys: ``.journey_pseudonym.key`` beside the warehouse, made
    (owner-only) on first use. Keep it with the warehouse: a new key gives everyone a new key."""
    path = Path(warehouse).parent / PSEUDONYM_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise PublishError(f"{path} holds no key (at least 32 hex digits): delete it to make a new one")
    return bytes.fromhex(key)


def policy_from_environment(warehouse: Path) -> PublishPolicy:
    """The policy ``journey build`` publishes with: ``JOURNEY_PUBLISH_EMAILS``, ``JOURNEY_FILE_ACCESS``,
    the reporting currency of ``dbt_project.yml``."""
    emails = os.environ.get(EMAILS_ENV, "pseudonym").strip().lower() or "pseudonym"
    if emails not in {"pseudonym", "raw"}:
        raise PublishError(f"{EMAILS_ENV}={emails!r} is not 'pseudonym' or 'raw': set one of them")
    file_mode, dir_mode = access_modes()
    currency, digits = currency_minor_digits()
    return PublishPolicy(
        currency=currency,
        raw_emails=emails == "raw",
        pseudonym_key=None if emails == "raw" else pseudonym_key(warehouse),
        money_digits=digits,
        file_mode=file_mode,
        dir_mode=dir_mode,
    )


def pseudonym(key: bytes, email: str) -> str:
    """The published key of an e-mail address: HMAC-SHA256 of the trimmed, lower-cased address."""
    digest = hmac.new(key, email.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_DIGITS]


# --- SQL helpers -----------------------------------------------------------------------------


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


_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$", re.IGNORECASE)


def _published_column(column: str, data_type: str, policy: PublishPolicy) -> tuple[str, str]:
    """(select expression, note for the column comment) of one mart column as published."""
    quoted = _identifier(column)
    if column in EMAIL_COLUMNS and not policy.raw_emails and data_type.upper() == "VARCHAR":
        return (
            f"journey_pseudonym({quoted}) as {quoted}",
            "Published as a pseudonymous key (HMAC-SHA256 of the lower-cased e-mail address, 32 hex "
            "digits): the same person has the same key in every mart and publication.",
        )
    digits = policy.money_digits
    decimal = _DECIMAL.match(data_type)
    rounded = f"Rounded to the reporting currency's minor unit ({digits} decimals)."
    if digits is not None and decimal and int(decimal.group(2)) > digits:
        return f"cast(round({quoted}, {digits}) as decimal({decimal.group(1)}, {digits})) as {quoted}", rounded
    if digits is not None and column in MONEY_DOUBLE_COLUMNS and data_type.upper() == "DOUBLE":
        return f"round({quoted}, {digits}) as {quoted}", rounded
    return quoted, ""


def _published_select(con: duckdb.DuckDBPyConnection, mart: str, policy: PublishPolicy) -> tuple[str, dict[str, str]]:
    """The ``select`` that publishes ``mart`` and the comment note of each changed column."""
    source = f"warehouse.{MARTS_SCHEMA}.{_identifier(mart)}"
    described = con.execute(f"describe {source}").fetchall()
    expressions, notes = [], {}
    for row in described:
        expression, note = _published_column(row[0], row[1], policy)
        expressions.append(expression)
        if note:
            notes[row[0]] = note
    return f"select {', '.join(expressions)} from {source}", notes


def _write_comments(
    con: duckdb.DuckDBPyConnection, table: str, doc: TableDoc, columns: list[str], notes: Mapping[str, str]
) -> None:
    target = f"publication.{PUBLISHED_SCHEMA}.{_identifier(table)}"
    if doc.description:
        con.execute(f"comment on table {target} is {_sql_string(doc.description.strip())}")
    for column in columns:
        text = " ".join(part for part in (doc.columns.get(column, "").strip(), notes.get(column, "")) if part)
        if text:
            con.execute(f"comment on column {target}.{_identifier(column)} is {_sql_string(text)}")


# --- writing one publication -----------------------------------------------------------------


def _stage_duckdb(
    con: duckdb.DuckDBPyConnection,
    staged: Path,
    selects: Mapping[str, tuple[str, dict[str, str]]],
    docs: Mapping[str, TableDoc],
    publication_id: str,
    published_at: datetime,
    currency: str | None,
) -> dict[str, int]:
    """Copy every mart into a new DuckDB file at ``staged`` (storage v1.2.0); returns row counts."""
    con.execute(f"attach {_sql_string(str(staged))} as publication (storage_version {_sql_string(STORAGE_VERSION)})")
    row_counts: dict[str, int] = {}
    for mart, (select, notes) in selects.items():
        target = f"publication.{PUBLISHED_SCHEMA}.{_identifier(mart)}"
        con.execute(f"create table {target} as {select}")
        row_counts[mart] = con.execute(f"select count(*) from {target}").fetchall()[0][0]
        columns = [row[0] for row in con.execute(f"describe {target}").fetchall()]
        _write_comments(con, mart, docs.get(mart, TableDoc()), columns, notes)
    con.execute(f"create schema publication.{LEDGER_SCHEMA}")
    con.execute(
        f"create table publication.{LEDGER_SCHEMA}.{PUBLICATION_TABLE} ("
        "publication_id varchar, published_at timestamp, mart varchar, row_count bigint, reporting_currency varchar)"
    )
    upper = currency.upper() if currency else None
    con.executemany(
        f"insert into publication.{LEDGER_SCHEMA}.{PUBLICATION_TABLE} values (?, ?, ?, ?, ?)",
        [[publication_id, published_at.replace(tzinfo=None), mart, count, upper] for mart, count in row_counts.items()],
    )
    con.execute(
        f"comment on table publication.{LEDGER_SCHEMA}.{PUBLICATION_TABLE} is "
        "'One row per published mart: which publication this file is, how many rows each mart has and the "
        "currency its money is in (dbt var reporting_currency).'"
    )
    con.execute("checkpoint publication")
    con.execute("detach publication")
    return row_counts


def _stage_parquet(
    con: duckdb.DuckDBPyConnection,
    parquet_dir: Path,
    selects: Mapping[str, tuple[str, dict[str, str]]],
    publication_id: str,
) -> dict[str, Path]:
    """Write each mart to ``parquet_dir/<mart>.parquet``; returns mart → file."""
    written: dict[str, Path] = {}
    for mart, (select, _) in selects.items():
        path = parquet_dir / f"{mart}.parquet"
        con.execute(
            f"copy ({select}) to {_sql_string(str(path))} "
            f"(format parquet, kv_metadata {{publication_id: {_sql_string(publication_id)}}})"
        )
        written[mart] = path
    return written


def _kill_point(step: str) -> None:
    """Test hook: die here, as a machine losing power would, when ``JOURNEY_TEST_KILL_PUBLISH_AT`` names ``step``."""
    if os.environ.get(KILL_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)


def _set_modes(folder: Path, policy: PublishPolicy) -> None:
    """Owner-only (or as configured) on ``folder`` and everything in it."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        path.chmod(policy.dir_mode if path.is_dir() else policy.file_mode)


def _symlink_atomically(link: Path, target: str) -> None:
    """Make ``link`` point at ``target`` with one rename(2): readers see the old link or the new one."""
    temporary = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}.tmp")
    os.symlink(target, temporary)
    os.replace(temporary, link)


def _link_stable_paths(publish_dir: Path, log: Callable[[str], None]) -> None:
    """``marts.duckdb`` and ``parquet`` as symlinks through the pointer (made once; a folder of the
    earlier per-file layout is moved into ``publications/`` first)."""
    for name in (PUBLISHED_DUCKDB, PARQUET_FOLDER):
        link = publish_dir / name
        target = f"{PUBLICATIONS_FOLDER}/{CURRENT_POINTER}/{name}"
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_dir() and not link.is_symlink():
            # a rename cannot replace a folder by a link: move the old one aside (one moment without it)
            aside = publish_dir / PUBLICATIONS_FOLDER / f".previous-layout-{name}-{uuid.uuid4().hex[:8]}"
            os.replace(link, aside)
            log(f"moved the earlier folder {link} aside, to be removed with the older publications")
        _symlink_atomically(link, target)


def _prune(publications: Path, keep: set[str], log: Callable[[str], None]) -> None:
    """Remove every publication folder but ``keep`` (and any left by a publication that died)."""
    for path in sorted(publications.iterdir()):
        if path.name == CURRENT_POINTER or path.name in keep:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
        log(f"removed {path.name}: older than the last {PUBLICATIONS_KEPT} publications")


def publish_marts(
    warehouse: Path,
    publish_dir: Path,
    docs: Mapping[str, TableDoc] | None = None,
    log: Callable[[str], None] = lambda message: None,
    policy: PublishPolicy | None = None,
) -> Publication:
    """Publish every mart of ``warehouse`` into ``publish_dir`` as one new publication.

    Nothing readers see changes until the whole publication is written in its own folder; then one
    rename switches the pointer ``publications/current`` to it. The last two publications are kept.
    Without a ``policy``, the configured one (``policy_from_environment``): pseudonymous e-mail
    addresses, money rounded to the reporting currency's minor unit, owner-only files.
    """
    warehouse = Path(warehouse)
    publish_dir = Path(publish_dir)
    if not warehouse.is_file():
        raise PublishError(f"warehouse {warehouse} does not exist: build it first (journey build)")
    policy = policy or policy_from_environment(warehouse)
    if not policy.raw_emails and not policy.pseudonym_key:
        raise PublishError("a publication with pseudonymous e-mail addresses needs a key (PublishPolicy.pseudonym_key)")
    duckdb_path, parquet_path = published_paths(publish_dir)
    if duckdb_path.resolve() == warehouse.resolve():
        raise PublishError(f"the warehouse {warehouse} cannot be published over itself: rename it")
    publications = publish_dir / PUBLICATIONS_FOLDER
    publications.mkdir(parents=True, exist_ok=True)
    publications.chmod(policy.dir_mode)

    published_at = datetime.now(UTC)
    publication_id = new_publication_id(published_at)
    staging = publications / f".partial-{publication_id}"
    folder = publications / publication_id
    docs = docs or {}
    try:
        (staging / PARQUET_FOLDER).mkdir(parents=True)
        with duckdb.connect() as con:
            if policy.pseudonym_key:
                key = policy.pseudonym_key
                con.create_function("journey_pseudonym", lambda email: pseudonym(key, email), ["VARCHAR"], "VARCHAR")
            con.execute(f"attach {_sql_string(str(warehouse))} as warehouse (read_only)")
            marts = discover_marts(con)
            if not marts:
                raise PublishError(f"warehouse {warehouse} has no table in schema '{MARTS_SCHEMA}': nothing to publish")
            selects = {mart: _published_select(con, mart, policy) for mart in marts}
            row_counts = _stage_duckdb(
                con, staging / PUBLISHED_DUCKDB, selects, docs, publication_id, published_at, policy.currency
            )
            log(f"wrote {len(marts)} marts to {PUBLISHED_DUCKDB} (storage {STORAGE_VERSION}) of {publication_id}")
            written = _stage_parquet(con, staging / PARQUET_FOLDER, selects, publication_id)
            log(f"wrote {len(written)} Parquet files of {publication_id}")
        (staging / PARQUET_FOLDER / MANIFEST_NAME).write_text(
            json.dumps(
                {
                    "publication_id": publication_id,
                    "published_at": published_at.isoformat(),
                    "reporting_currency": policy.currency.upper() if policy.currency else None,
                    "marts": {mart: {"file": f"{mart}.parquet", "rows": row_counts[mart]} for mart in marts},
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
        _set_modes(staging, policy)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _kill_point("staged")
    os.replace(staging, folder)
    _kill_point("renamed")

    previous = current_publication(publish_dir)
    pointer = publications / CURRENT_POINTER
    temporary_pointer = publications / f".{CURRENT_POINTER}.{publication_id}.tmp"
    os.symlink(publication_id, temporary_pointer)
    _kill_point("pointer_staged")
    os.replace(temporary_pointer, pointer)  # the switch: readers now see the new publication
    _kill_point("switched")
    _link_stable_paths(publish_dir, log)
    _kill_point("linked")
    log(f"publication {publication_id} is live (previous: {previous.name if previous else 'none'})")
    _prune(publications, {publication_id} | ({previous.name} if previous else set()), log)
    return Publication(
        publication_id=publication_id,
        published_at=published_at,
        duckdb_path=duckdb_path,
        parquet_dir=parquet_path,
        folder=folder,
        row_counts=row_counts,
    )


def protect_warehouse(
    warehouse: Path, policy: PublishPolicy, log: Callable[[str], None] = lambda message: None
) -> None:
    """Give the warehouse file (every raw record) and its WAL the policy's file mode."""
    for path in (Path(warehouse), Path(f"{warehouse}.wal")):
        if path.is_file() and (path.stat().st_mode & 0o777) != policy.file_mode:
            path.chmod(policy.file_mode)
            log(f"{path}: permissions set to {policy.file_mode:o} ({ACCESS_ENV})")


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
