"""dbt vars for one build: the ``vars:`` block of the exports' ``mapping.yml``, overridden by
``journey build --var key=value`` (which the CLI passes on as ``JOURNEY_DBT_VARS``, a JSON object).

The dbt asset passes them to ``dbt build --vars``; the CLI records them in ``last_build.json`` and the
build state, and as a ``JOURNEY_*`` setting and a file of the exports folder they are both part of
the no-change fingerprint (``fastpath``), so a changed var rebuilds.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from dagster_project import settings
from dagster_project.ingest.generic import read_mapping_vars

DBT_VARS_ENV = "JOURNEY_DBT_VARS"


def parse_var_option(text: str) -> tuple[str, object]:
    """``key=value`` → (key, value); the value is read as JSON when it is JSON (3, true, ["a"]), else text."""
    key, separator, value = text.partition("=")
    key = key.strip()
    if not separator or not key:
        raise ValueError(f"--var {text!r}: write --var NAME=VALUE, e.g. --var mrr_month_membership=any_overlap")
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def declared_vars() -> set[str]:
    """The var names ``dbt/dbt_project.yml`` declares (a var it does not declare changes nothing)."""
    document = yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    return set(document.get("vars") or {})


def environment_vars() -> dict:
    """The vars in ``JOURNEY_DBT_VARS`` (a JSON object), or {}."""
    text = os.environ.get(DBT_VARS_ENV, "").strip()
    if not text:
        return {}
    try:
        values = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{DBT_VARS_ENV} is not JSON ({error}); set it to an object, e.g. '{{\"a\": 1}}'") from error
    if not isinstance(values, dict):
        raise ValueError(f"{DBT_VARS_ENV} must be a JSON object of var names and values, e.g. '{{\"a\": 1}}'")
    return values


def effective_vars(exports_dir: Path | None = None) -> dict:
    """The build's dbt vars: mapping.yml's ``vars:`` then ``JOURNEY_DBT_VARS`` (which wins), checked
    against the vars dbt_project.yml declares. ValueError naming the var and where it came from."""
    exports = exports_dir if exports_dir is not None else settings.exports_dir()
    from_mapping = read_mapping_vars(exports)
    from_environment = environment_vars()
    declared = declared_vars()
    for origin, values in (("mapping.yml vars", from_mapping), (f"--var / {DBT_VARS_ENV}", from_environment)):
        unknown = sorted(name for name in values if name not in declared)
        if unknown:
            raise ValueError(
                f"{origin}: unknown dbt var {', '.join(unknown)}; the vars are declared in dbt/dbt_project.yml "
                "(vars:), e.g. mrr_month_membership"
            )
    return {**from_mapping, **from_environment}


def dbt_cli_args(exports_dir: Path | None = None) -> list[str]:
    """``["--vars", <JSON>]`` for ``dbt build`` when the build sets vars, else []."""
    values = effective_vars(exports_dir)
    return ["--vars", json.dumps(values, sort_keys=True)] if values else []
