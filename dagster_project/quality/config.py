"""The quality gate's thresholds: dbt vars of the "quality gate" section of ``dbt/dbt_project.yml``.

Every definition choice of the project lives in that one file (see ``dbt/DECISIONLOG.md``); the
quality gate reads its own from there so that ingest, the expectation suites and dbt agree. A suite
in ``expectations/`` refers to one as the string ``"$var:<name>"``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from dagster_project.settings import DBT_PROJECT_DIR

# The defaults, used when dbt_project.yml does not set a var (kept equal to the file's values).
DEFAULTS: dict[str, Any] = {
    "quality_future_tolerance_hours": 24,
    "quality_max_orphan_share": 0,
    "quality_max_recurring_line_minor": 10_000_000_000,
    "quality_max_deal_amount": 100_000_000,
    "quality_max_text_length": 100_000,
    "quality_min_stripe_created": 946_684_800,
}

VAR_PREFIX = "$var:"


@cache
def quality_vars() -> dict[str, Any]:
    """Every ``quality_*`` var with its value from dbt_project.yml (or the default)."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    configured = {
        name: value
        for name, value in (project.get("vars") or {}).items()
        if isinstance(name, str) and name.startswith("quality_")
    }
    return {**DEFAULTS, **configured}


def quality_var(name: str) -> Any:
    values = quality_vars()
    if name not in values:
        raise KeyError(f"no dbt var {name!r} in the quality gate section of dbt/dbt_project.yml")
    return values[name]


def resolve_vars(value: Any) -> Any:
    """``value`` with every ``"$var:<name>"`` string replaced by the var's value (recursively)."""
    if isinstance(value, str) and value.startswith(VAR_PREFIX):
        return quality_var(value[len(VAR_PREFIX) :])
    if isinstance(value, dict):
        return {key: resolve_vars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_vars(item) for item in value]
    return value
