"""The project's definition choices, read as data: the vars of ``dbt/dbt_project.yml``.

That one file holds every threshold and format both sides need (see ``dbt/DECISIONLOG.md``): dbt
reads them with ``var()``, Python reads them here with a YAML parser, so nothing is copied and no
SQL is parsed. A neutral module (like ``settings``): any layer may import it, it imports no layer.

- ``quality_*``: the quality gate's thresholds (ingest's future-time rule, the raw suites' ``$var:``).
- ``timestamp_formats`` / ``timestamp_offset_formats``: how a text time is read, by staging's
  ``parse_timestamp`` macro (``dbt/macros/parsing.sql``) and by ingest and the raw suites
  (``ingest.loader.parse_timestamp_sql``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from dagster_project.settings import DBT_PROJECT_DIR

DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"


@cache
def dbt_vars() -> dict[str, Any]:
    """Every var of ``dbt/dbt_project.yml`` (read once per process)."""
    try:
        project = yaml.safe_load(DBT_PROJECT_FILE.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise RuntimeError(f"cannot read the vars of {DBT_PROJECT_FILE}: {error}") from error
    return dict(project.get("vars") or {})


def dbt_var(name: str) -> Any:
    """The value of var ``name``; KeyError naming the file and the var when it is not set."""
    values = dbt_vars()
    if name not in values:
        raise KeyError(f"no var {name!r} in {DBT_PROJECT_FILE}: add it under `vars:` (see dbt/DECISIONLOG.md)")
    return values[name]


def quality_vars() -> dict[str, Any]:
    """Every ``quality_*`` var: the quality gate's thresholds."""
    return {name: value for name, value in dbt_vars().items() if isinstance(name, str) and name.startswith("quality_")}


def quality_var(name: str) -> Any:
    """One quality gate threshold; KeyError naming the file when the var is not in its section."""
    values = quality_vars()
    if name not in values:
        raise KeyError(f"no var {name!r} in the quality gate section of {DBT_PROJECT_FILE}: add it under `vars:`")
    return values[name]


def timestamp_formats() -> tuple[str, ...]:
    """strptime formats of a time without offset (read as UTC), tried in order."""
    return _formats("timestamp_formats")


def timestamp_offset_formats() -> tuple[str, ...]:
    """strptime formats of a time with a UTC offset (``%z``), tried after ISO 8601."""
    return _formats("timestamp_offset_formats")


def _formats(name: str) -> tuple[str, ...]:
    value = dbt_var(name)
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ValueError(f"var {name!r} in {DBT_PROJECT_FILE} must be a list of strptime formats, not {value!r}")
    return tuple(value)
