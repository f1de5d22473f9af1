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
        ("user_id", "email", "feature", "path", "article_id", "subscription_id"),
        "Your product usage events.",
    ),
    GenericEntity(
        "churn_events",
        "billing",
        "billing/churn_events.csv",
        ("account_id", "churned_at"),
        ("reason", "refund", "reactivated"),
        "Your churn events: account, date, reason, refund, whether the account came back.",
    ),
)

# Roles that another role may stand in for: an event keyed by subscription reaches its account
# through the subscriptions table (subscriptions.subscription_id → subscriptions.account_id).
STAND_INS: dict[tuple[str, str], str] = {("events", "account_id"): "subscription_id"}

# Numeric roles and the conversions a mapping may declare for them.
DURATION_ROLES = {
    ("tickets", "first_reply_minutes"),
    ("tickets", "first_reply_business_minutes"),
    ("tickets", "full_resolution_minutes"),
}
MONEY_ROLES = {("subscriptions", "monthly_amount"), ("churn_events", "refund")}
NUMBER_ROLES = {("accounts", "employees"), *DURATION_ROLES, *MONEY_ROLES}
# unit → (multiplier, divisor) to our unit, minutes: value × multiplier ÷ divisor (exact for each).
DURATION_UNITS: dict[str, tuple[int, int]] = {
    "minutes": (1, 1),
    "hours": (60, 1),
    "days": (1440, 1),
    "seconds": (1, 60),
}
DECIMAL_SEPARATORS = ("point", "comma")
COLUMN_OPTIONS = ("column", "unit", "minor_units", "decimal")
SECTION_KEYS = ("file", "columns", "constants", "decimal")


class MappingError(ValueError):
    """The mapping file is not usable; the message names the file, the entity and the role."""


def find_mapping_file(exports_dir: Path) -> Path | None:
    for name in MAPPING_FILES:
        candidate = exports_dir / name
        if candidate.is_file():
            return candidate
    return None


def _load_document(exports_dir: Path) -> tuple[str, dict]:
    path = find_mapping_file(exports_dir)
    if path is None:
        return "", {}
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as error:
        raise MappingError(f"{path.name}: not valid YAML ({error})") from error
    if not isinstance(document, dict):
        raise MappingError(f"{path.name}: expected a mapping of entity names, e.g. 'subscriptions:'")
    return path.name, document


def read_mapping(exports_dir: Path) -> dict[str, dict]:
    """The validated mapping: entity → {"file", "columns": {role: column}, "constants": {role: value},
    "conversions": {role: {"multiplier", "divisor", "decimal"}}}. The ``vars:`` block is read by
    :func:`read_mapping_vars`."""
    file_name, document = _load_document(exports_dir)
    known = {entity.name: entity for entity in GENERIC_ENTITIES}
    mapping: dict[str, dict] = {}
    for name, section in document.items():
        if name == "vars":
            continue
        if name not in known:
            raise MappingError(
                f"{file_name}: unknown entity {name!r}; expected one of {', '.join(known)} (or vars)"
            )
        mapping[name] = _read_section(file_name, known[name], section or {})
    if "subscription_id" in mapping.get("events", {}).get("columns", {}) and "subscription_id" not in (
        mapping.get("subscriptions", {}).get("columns", {})
    ):
        raise MappingError(
            f"{file_name}: events.columns.subscription_id joins events to subscriptions, but "
            "subscriptions.columns maps no subscription_id: name the subscriptions column it matches"
        )
    return mapping


def _read_section(file_name: str, entity: GenericEntity, section: dict) -> dict:
    name = entity.name
    if not isinstance(section, dict):
        raise MappingError(f"{file_name}: {name} must be a mapping with a 'columns:' block")
    unknown_keys = [key for key in section if key not in SECTION_KEYS]
    if unknown_keys:
        raise MappingError(
            f"{file_name}: {name} has unknown key {', '.join(map(str, unknown_keys))} "
            f"(keys: {', '.join(SECTION_KEYS)})"
        )
    columns = section.get("columns") or {}
    constants = section.get("constants") or {}
    for key, block in (("columns", columns), ("constants", constants)):
        if not isinstance(block, dict):
            what = "column names" if key == "columns" else "values"
            raise MappingError(f"{file_name}: {name}.{key} must map roles to {what}")
    roles = (*entity.required_roles, *entity.optional_roles)
    for key, block in (("columns", columns), ("constants", constants)):
        unknown = [str(role) for role in block if role not in roles]
        if unknown:
            raise MappingError(
                f"{file_name}: {name}.{key} has unknown role {', '.join(unknown)} (roles: {', '.join(roles)})"
            )
    both = [role for role in columns if role in constants]
    if both:
        raise MappingError(f"{file_name}: {name} maps {', '.join(both)} both to a column and to a constant: keep one")
    section_decimal = _decimal(file_name, f"{name}.decimal", section.get("decimal"))
    plain: dict[str, str] = {}
    conversions: dict[str, dict] = {}
    for role, spec in columns.items():
        key = f"{name}.columns.{role}"
        if isinstance(spec, dict):
            column, conversion = _read_column_options(file_name, name, role, spec)
        else:
            column, conversion = spec, {}
        if column is None or column == "":
            continue
        plain[role] = str(column)
        if (name, role) in NUMBER_ROLES:
            conversion.setdefault("decimal", section_decimal)
            conversions[role] = {"multiplier": 1, "divisor": 1, "minor_units": False, **conversion}
        elif conversion:
            raise MappingError(f"{file_name}: {key} is not a number; unit, minor_units and decimal do not apply")
    present = {*plain, *(role for role, value in constants.items() if value is not None)}
    missing = [
        role
        for role in entity.required_roles
        if role not in present and STAND_INS.get((name, role)) not in present
    ]
    if missing:
        described = [
            f"{role} (or {STAND_INS[(name, role)]})" if (name, role) in STAND_INS else role for role in missing
        ]
        raise MappingError(
            f"{file_name}: {name}.columns lacks required role {', '.join(described)} "
            f"(required: {', '.join(entity.required_roles)}; a role may also be a constant under {name}.constants)"
        )
    return {
        "file": str(section.get("file") or entity.default_file),
        "columns": plain,
        "constants": {role: str(value) for role, value in constants.items() if value is not None},
        "conversions": conversions,
    }


def _decimal(file_name: str, key: str, value) -> str:
    choice = "point" if value is None else str(value).strip().lower()
    if choice not in DECIMAL_SEPARATORS:
        raise MappingError(
            f"{file_name}: {key}: {value!r} is not a decimal separator; write 'comma' (1.234,56) or 'point' (1,234.56)"
        )
    return choice


def _read_column_options(file_name: str, entity: str, role: str, spec: dict) -> tuple[str | None, dict]:
    """A role written as ``{column: x, unit: hours}``: its column and its conversion to our unit."""
    key = f"{entity}.columns.{role}"
    unknown = [str(option) for option in spec if option not in COLUMN_OPTIONS]
    if unknown:
        raise MappingError(
            f"{file_name}: {key} has unknown option {', '.join(unknown)} (options: {', '.join(COLUMN_OPTIONS)})"
        )
    if not spec.get("column"):
        raise MappingError(f"{file_name}: {key} needs 'column:', the name of the column in your file")
    conversion: dict = {}
    if "unit" in spec:
        if (entity, role) not in DURATION_ROLES:
            raise MappingError(f"{file_name}: {key}.unit: {role} is not a duration; only durations take a unit")
        unit = str(spec["unit"]).strip().lower()
        if unit not in DURATION_UNITS:
            raise MappingError(
                f"{file_name}: {key}.unit: unknown unit {spec['unit']!r}; write one of {', '.join(DURATION_UNITS)} "
                "(the warehouse keeps minutes)"
            )
        conversion["multiplier"], conversion["divisor"] = DURATION_UNITS[unit]
    if "minor_units" in spec:
        if (entity, role) not in MONEY_ROLES:
            raise MappingError(f"{file_name}: {key}.minor_units: {role} is not money; only amounts take minor_units")
        if not isinstance(spec["minor_units"], bool):
            raise MappingError(f"{file_name}: {key}.minor_units must be true (amounts in cents) or false")
        conversion["minor_units"] = spec["minor_units"]  # ÷ 10^digits of the currency, in intermediate
    if "decimal" in spec:
        conversion["decimal"] = _decimal(file_name, f"{key}.decimal", spec["decimal"])
    return spec["column"], conversion


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
    """Replace ``raw.generic_mapping`` with the mapping in force: one row per entity × role, with the
    column that plays it (or the constant), and its conversion to our unit (value × multiplier ÷
    divisor, read with the decimal separator; amounts in minor units are divided by 10^digits of their
    currency in intermediate, where the currencies seed is)."""
    con.execute("create schema if not exists raw")
    con.execute("begin transaction")
    con.execute(
        f"create or replace table {MAPPING_TABLE} ("
        "entity varchar not null, role varchar not null, source_column varchar, source_file varchar, "
        "constant_value varchar, multiplier bigint, divisor bigint, decimal_separator varchar, minor_units boolean)"
    )
    rows = []
    for entity, section in sorted(mapping.items()):
        conversions = section.get("conversions", {})
        for role, column in sorted(section["columns"].items()):
            conversion = conversions.get(role, {})
            rows.append(
                (
                    entity,
                    role,
                    column,
                    section["file"],
                    None,
                    conversion.get("multiplier"),
                    conversion.get("divisor"),
                    conversion.get("decimal"),
                    conversion.get("minor_units"),
                )
            )
        for role, value in sorted(section.get("constants", {}).items()):
            rows.append((entity, role, None, section["file"], value, None, None, None, None))
    if rows:
        con.executemany(f"insert into {MAPPING_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.execute("commit")


def read_mapping_vars(exports_dir: Path) -> dict:
    """The ``vars:`` block of the mapping file (dbt vars for this company's build), or {}."""
    file_name, document = _load_document(exports_dir)
    block = document.get("vars") or {}
    if not isinstance(block, dict):
        raise MappingError(
            f"{file_name}: vars must map dbt var names to values, e.g. 'mrr_month_membership: any_overlap'"
        )
    return {str(name): value for name, value in block.items()}
