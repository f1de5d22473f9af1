"""The no-change fast path: when nothing a build reads has changed since the last good build, say so
and stop before Dagster, dbt or Great Expectations are even imported.

What a build reads, and so what the fingerprint covers:

- every file under the exports folder (relative path, size, modification time; symlinks followed),
- the project's own definitions: the dbt project (models, macros, seeds, tests, ``dbt_project.yml``,
  ``profiles.yml``), the expectation suites, and the Python package (a changed rule changes marts),
- the settings that change what is built or where it goes (``JOURNEY_*`` environment variables, among
  them ``JOURNEY_DBT_VARS``, where ``journey build --var`` puts the dbt vars; mapping.yml's ``vars:``
  is an export file),
- the warehouse file and the publication as the last build left them (a warehouse changed by hand,
  or a publication deleted, means the state on disk is not the one recorded).

The state is written only after a build that succeeded, beside the warehouse
(``<warehouse>.build-state.json``), so a failed or killed build never turns into a skipped one.
Size and modification time stand in for content: a file touched without a change costs one full
build, never a stale mart.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from dagster_project import settings

STATE_VERSION = 1
# Environment variables that change what a build produces or where it writes.
SETTINGS_PREFIX = "JOURNEY_"
# The paths are compared on their own (the recorded exports folder, the warehouse and publication in
# the outputs): `journey build` pins them in the environment only when given, so `make run` (flags)
# and a bare `journey build` of the same folders must not differ by them.
IGNORED_SETTINGS = {
    "JOURNEY_TEST_KILL_BEFORE_COMMIT",
    "JOURNEY_EXPORTS_DIR",
    "JOURNEY_WAREHOUSE",
    "JOURNEY_PUBLISH_DIR",
}
PROJECT_FOLDERS = ("dbt/models", "dbt/macros", "dbt/seeds", "dbt/tests", "expectations", "dagster_project")
PROJECT_FILES = ("dbt/dbt_project.yml", "dbt/profiles.yml", "pyproject.toml")
PROJECT_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".json", ".py", ".toml"}


def state_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".build-state.json")


def _walk(folder: Path) -> Iterator[Path]:
    """Every file under ``folder``, following symlinked folders once (no loops), sorted."""
    seen: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(folder, followlinks=True):
        stat = os.stat(root)
        if (stat.st_dev, stat.st_ino) in seen:
            dirs[:] = []
            continue
        seen.add((stat.st_dev, stat.st_ino))
        dirs.sort()
        for name in sorted(files):
            yield Path(root) / name


def _stamp(path: Path) -> list:
    try:
        stat = path.stat()
    except OSError:  # a dangling link: its presence still counts
        return [None, None]
    return [stat.st_size, stat.st_mtime_ns]


def _digest(entries: Iterator[list]) -> str:
    digest = hashlib.sha256()
    for entry in entries:
        digest.update(json.dumps(entry, default=str).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def exports_fingerprint(exports: Path) -> str:
    return _digest([path.relative_to(exports).as_posix(), *_stamp(path)] for path in _walk(exports))


def project_fingerprint() -> str:
    root = settings.REPO_ROOT

    def entries() -> Iterator[list]:
        for relative in PROJECT_FILES:
            yield [relative, *_stamp(root / relative)]
        for folder in PROJECT_FOLDERS:
            for path in _walk(root / folder):
                if path.suffix in PROJECT_SUFFIXES and "__pycache__" not in path.parts:
                    yield [path.relative_to(root).as_posix(), *_stamp(path)]

    return _digest(entries())


def dbt_project_fingerprint(database: str, project_dir: Path | None = None) -> str:
    """What ``dbt parse`` reads: the dbt project's files, the dbt version and the database name.

    The database name (the warehouse file's stem) is the one part of the profile that the manifest
    records (in every relation name); the rest of the warehouse path does not change the manifest.
    """
    from importlib.metadata import version

    project = Path(project_dir or settings.DBT_PROJECT_DIR)

    def entries() -> Iterator[list]:
        yield ["dbt-core", version("dbt-core"), "dbt-duckdb", version("dbt-duckdb"), "database", database]
        yield ["project", str(project)]  # dbt records absolute paths (root_path)
        for relative in PROJECT_FILES:
            if relative.startswith("dbt/"):
                yield [relative, *_stamp(project / relative.removeprefix("dbt/"))]
        for folder in PROJECT_FOLDERS:
            if folder.startswith("dbt/"):
                for path in _walk(project / folder.removeprefix("dbt/")):
                    yield [path.relative_to(project).as_posix(), *_stamp(path)]

    return _digest(entries())


def settings_fingerprint() -> str:
    values = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name.startswith(SETTINGS_PREFIX) and name not in IGNORED_SETTINGS
    )
    return _digest([name, value] for name, value in values)


def outputs_fingerprint(warehouse: Path) -> str:
    publication = settings.publish_dir() / "marts.duckdb"
    return _digest([[str(warehouse), *_stamp(warehouse)], [str(publication), *_stamp(publication)]])


def inputs_fingerprint(exports: Path) -> dict[str, str]:
    """The fingerprint of everything a build reads, taken before the build starts."""
    return {
        "exports": exports_fingerprint(exports),
        "project": project_fingerprint(),
        "settings": settings_fingerprint(),
    }


def unchanged_since_last_build(exports: Path, warehouse: Path) -> dict | None:
    """The recorded state of the last good build when nothing changed since it, else None."""
    path = state_path(warehouse)
    if not warehouse.exists() or not path.exists():
        return None
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("version") != STATE_VERSION or state.get("exports_dir") != str(exports):
        return None
    if state.get("inputs") != inputs_fingerprint(exports):
        return None
    if state.get("outputs") != outputs_fingerprint(warehouse):
        return None
    return state


def record_good_build(
    exports: Path, warehouse: Path, inputs: dict[str, str], seconds: float, dbt_vars: dict | None = None
) -> None:
    """After a build that succeeded: remember what it read (``inputs``, taken before it started) and
    the dbt vars it ran with (for the record: they are in ``inputs`` as a setting or an export file)."""
    state = {
        "version": STATE_VERSION,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 1),
        "exports_dir": str(exports),
        "dbt_vars": dbt_vars or {},
        "inputs": inputs,
        "outputs": outputs_fingerprint(warehouse),
    }
    path = state_path(warehouse)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(state, indent=2), encoding="utf-8")
    os.replace(temporary, path)


def forget_build(warehouse: Path) -> None:
    """Before a build starts: a build that fails or is killed must not be skipped next time."""
    state_path(warehouse).unlink(missing_ok=True)
