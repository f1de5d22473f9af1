"""The generic profile: a company's own tables plus a small YAML mapping of which column plays which role.

A company that uses none of the supported tools exports its own tables into the same folders
(``crm/accounts.csv``, ``billing/subscriptions.csv``, ``support/tickets.csv``, ``surveys/nps.csv``,
``product/events.csv``) and writes ``mapping.yml`` at the root of the exports folder::

    subscriptions:
      file: billing/subscriptions.csv     # optional: this is the default
      columns:                            # role: the column in your file
        account_id: customer
        start: start_date
        end: end_date
        monthly_amount: mrr
        currency: currency                # optional

Files load as text into ``raw.generic_<entity>`` with their own headers (nothing renamed, nothing
dropped); the mapping itself is stored in ``raw.generic_mapping`` so the dbt staging models pick
the right columns without anyone writing SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from dagster_project.ingest.catalog import RawTable

MAPPING_FILES = ("mapping.yml", "mapping.yaml", "journey_mapping.yml")
MAPPING_TABLE = "raw.generic_mapping"


@dataclass(frozen=True)
class GenericEntity:
    name: str
    folder: str
    default_file: str
    required_roles: tuple[str, ...]
    optional_roles: tuple[str, ...]
    description: str


GENERIC_ENTITIES: tuple[GenericEntity, ...] = (
    GenericEntity(
        "accounts",
        "crm",
        "crm/accounts.csv",
        ("account_id",),
        ("name", "created_at", "employees", "domain", "industry", "country", "source", "email"),
        "Your accounts (one row per customer company).",
    ),
    GenericEntity(
        "subscriptions",
        "billing",
        "billing/subscriptions.csv",
        ("account_id", "start", "monthly_amount"),
        ("end", "currency", "plan", "subscription_id"),
        "Your subscription periods: account, start, end (empty = still running), monthly amount.",
    ),
    GenericEntity(
        "tickets",
        "support",
        "support/tickets.csv",
        ("ticket_id", "account_id", "created_at"),
        (
            "solved_at",
            "status",
            "priority",
            "channel",
            "tags",
            "first_reply_minutes",
            "first_reply_business_minutes",
            "full_resolution_minutes",
            "csat",
            "email",
        ),
        "Your support tickets.",
    ),
    GenericEntity(
        "nps",
        "surveys",
        "surveys/nps.csv",
        ("response_id", "score", "responded_at"),
        ("email", "account_id", "comment", "survey_type"),
        "Your survey responses.",
    ),
    GenericEntity(
        "events",
        "product",
        "product/events.csv",
        ("account_id", "event", "timestamp"),
        ("user_id", "email", "feature", "path", "article_id"),
        "Your product usage events.",
    ),
)


class MappingError(ValueError):
    """The mapping file is not usable; the message names the file, the entity and the role."""


def find_mapping_file(exports_dir: Path) -> Path | None:
    for name in MAPPING_FILES:
        candidate = exports_dir / name
        if candidate.is_file():
            return candidate
    return None


def read_mapping(exports_dir: Path) -> dict[str, dict]:
    """The validated mapping: entity → {"file": relative path, "columns": {role: column}}."""
    path = find_mapping_file(exports_dir)
    if path is None:
        return {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as error:
        raise MappingError(f"{path.name}: not valid YAML ({error})") from error
    if not isinstance(document, dict):
        raise MappingError(f"{path.name}: expected a mapping of entity names, e.g. 'subscriptions:'")
    known = {entity.name: entity for entity in GENERIC_ENTITIES}
    mapping: dict[str, dict] = {}
    for name, section in document.items():
        if name not in known:
            raise MappingError(f"{path.name}: unknown entity {name!r}; expected one of {', '.join(known)}")
        entity = known[name]
        columns = (section or {}).get("columns") or {}
        if not isinstance(columns, dict):
            raise MappingError(f"{path.name}: {name}.columns must map roles to column names")
        missing = [role for role in entity.required_roles if not columns.get(role)]
        if missing:
            raise MappingError(
                f"{path.name}: {name}.columns lacks required role {', '.join(missing)} "
                f"(required: {', '.join(entity.required_roles)})"
            )
        unknown = [role for role in columns if role not in (*entity.required_roles, *entity.optional_roles)]
        if unknown:
            raise MappingError(
                f"{path.name}: {name}.columns has unknown role {', '.join(unknown)} "
                f"(roles: {', '.join((*entity.required_roles, *entity.optional_roles))})"
            )
        mapping[name] = {
            "file": str((section or {}).get("file") or entity.default_file),
            "columns": {role: str(column) for role, column in columns.items() if column},
        }
    return mapping


def generic_raw_table(entity: GenericEntity, mapping: dict[str, dict]) -> RawTable:
    """The raw table for an entity; its required columns are the ones the mapping names."""
    section = mapping.get(entity.name, {})
    columns = tuple(section.get("columns", {}).values())
    return RawTable(
        name=f"generic_{entity.name}",
        folder=entity.folder,
        patterns=(Path(section.get("file", entity.default_file)).name,),
        fmt="csv",
        required=columns,
        description=f"Generic profile: {entity.description}",
    )


def claimed_files(exports_dir: Path) -> set[str]:
    """Files (relative paths) that the mapping claims for the generic profile."""
    try:
        mapping = read_mapping(exports_dir)
    except MappingError:
        return set()
    return {section["file"] for section in mapping.values()}


def store_mapping(con: duckdb.DuckDBPyConnection, mapping: dict[str, dict]) -> None:
    """Replace ``raw.generic_mapping`` with the mapping in force (one row per entity × role)."""
    con.execute("create schema if not exists raw")
    con.execute(
        f"create table if not exists {MAPPING_TABLE} ("
        "entity varchar not null, role varchar not null, source_column varchar not null, source_file varchar)"
    )
    con.execute("begin transaction")
    con.execute(f"delete from {MAPPING_TABLE}")
    rows = [
        (entity, role, column, section["file"])
        for entity, section in sorted(mapping.items())
        for role, column in sorted(section["columns"].items())
    ]
    if rows:
        con.executemany(f"insert into {MAPPING_TABLE} values (?, ?, ?, ?)", rows)
    con.execute("commit")
