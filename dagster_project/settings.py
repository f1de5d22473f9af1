"""Where things live. Every path is resolved from this file or from the environment, never from cwd.

Environment variables (the CLI flags set the same ones):
- ``JOURNEY_EXPORTS_DIR``: the folder of exports (default ``data/exports``; when that holds no export
  file, the shipped sample ``data/sample/exports`` is used and the build says so).
- ``JOURNEY_WAREHOUSE``: the DuckDB warehouse file (default ``data/warehouse/journey.duckdb``).
- ``JOURNEY_PUBLISH_DIR``: where the marts are published for BI readers (default: the warehouse's folder).
- ``JOURNEY_DBT_TARGET``: dbt's target folder inside ``dbt/`` (default ``target``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"
SAMPLE_EXPORTS_DIR = REPO_ROOT / "data" / "sample" / "exports"
DEFAULT_EXPORTS_DIR = REPO_ROOT / "data" / "exports"
DEFAULT_WAREHOUSE = REPO_ROOT / "data" / "warehouse" / "journey.duckdb"

# One pool for everything that writes the warehouse file: DuckDB allows one writer process.
WAREHOUSE_POOL = "warehouse"


def exports_dir() -> Path:
    """The exports folder: ``JOURNEY_EXPORTS_DIR`` if set, else ``data/exports`` (or the sample)."""
    configured = os.environ.get("JOURNEY_EXPORTS_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    if _has_files(DEFAULT_EXPORTS_DIR):
        return DEFAULT_EXPORTS_DIR
    return SAMPLE_EXPORTS_DIR


def warehouse_path() -> Path:
    """The warehouse file: ``JOURNEY_WAREHOUSE`` if set, else ``data/warehouse/journey.duckdb``."""
    configured = os.environ.get("JOURNEY_WAREHOUSE")
    return Path(configured).expanduser().resolve() if configured else DEFAULT_WAREHOUSE


def publish_dir(warehouse: Path | None = None) -> Path:
    """Where published marts (``marts.duckdb``, ``parquet/``, ``publications/``), the report and the
    quality report go: ``JOURNEY_PUBLISH_DIR`` if set, else the folder of ``warehouse`` (default: the
    configured warehouse file). The one place the publish folder is worked out."""
    configured = os.environ.get("JOURNEY_PUBLISH_DIR")
    if configured:
        return Path(configured).expanduser().resolve()
    return (Path(warehouse) if warehouse is not None else warehouse_path()).parent


def dbt_target_path() -> str:
    return os.environ.get("JOURNEY_DBT_TARGET", "target")


def use_paths(exports: Path | str | None = None, warehouse: Path | str | None = None) -> None:
    """Pin the exports folder and warehouse file for this process and its children (dbt)."""
    if exports is not None:
        os.environ["JOURNEY_EXPORTS_DIR"] = str(Path(exports).expanduser().resolve())
    if warehouse is not None:
        os.environ["JOURNEY_WAREHOUSE"] = str(Path(warehouse).expanduser().resolve())
    os.environ.setdefault("JOURNEY_WAREHOUSE", str(warehouse_path()))
    # dbt runs as a subprocess: make the dbt installed beside this interpreter the one found.
    interpreter_bin = str(Path(sys.executable).parent)
    if interpreter_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = interpreter_bin + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")


def _has_files(folder: Path) -> bool:
    return folder.is_dir() and any(path.is_file() for path in folder.rglob("*"))


# Who may read the files a build writes (the warehouse, the publication, the report).
FILE_ACCESS_ENV = "JOURNEY_FILE_ACCESS"  # "owner" (default), "group" or "world"
FILE_ACCESS_MODES = {"owner": (0o600, 0o700), "group": (0o640, 0o750), "world": (0o644, 0o755)}


def file_access_modes(value: str | None = None) -> tuple[int, int]:
    """(file mode, folder mode) for ``JOURNEY_FILE_ACCESS``; ValueError naming the variable if unknown."""
    choice = (value if value is not None else os.environ.get(FILE_ACCESS_ENV, "owner")).strip().lower() or "owner"
    if choice not in FILE_ACCESS_MODES:
        raise ValueError(
            f"{FILE_ACCESS_ENV}={choice!r} is not one of {', '.join(FILE_ACCESS_MODES)}: set one of them"
        )
    return FILE_ACCESS_MODES[choice]
