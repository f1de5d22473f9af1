"""The quality gate's thresholds in the expectation suites: ``"$var:<name>"`` resolved.

The thresholds are the ``quality_*`` vars of ``dbt/dbt_project.yml``, read as data by the neutral
``dagster_project.project_vars`` (which ingest reads too), so ingest, the expectation suites and
dbt agree and no copy of them lives here. A suite in ``expectations/`` refers to one as the string
``"$var:<name>"``.
"""

from __future__ import annotations

from typing import Any

from dagster_project.project_vars import quality_var, quality_vars

__all__ = ["VAR_PREFIX", "quality_var", "quality_vars", "resolve_vars"]

VAR_PREFIX = "$var:"


def resolve_vars(value: Any) -> Any:
    """``value`` with every ``"$var:<name>"`` string replaced by the var's value (recursively)."""
    if isinstance(value, str) and value.startswith(VAR_PREFIX):
        return quality_var(value[len(VAR_PREFIX) :])
    if isinstance(value, dict):
        return {key: resolve_vars(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_vars(item) for item in value]
    return value
