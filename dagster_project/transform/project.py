"""The one dbt project, resolved from this file; prepared (``dbt parse``) before runs and tests.

Two costs of the stock dagster-dbt set-up are paid on every build otherwise, ~15 s of the sample's
~60 s (measured: ``benchmarks/RESULTS.md``):

- ``DagsterDbtProjectPreparer.prepare`` runs ``dbt parse`` through ``DbtCliResource`` even when no
  model changed. ``JourneyDbtPreparer`` parses only when the dbt project's files, the dbt version or
  the database name changed since the manifest was written (``fastpath.dbt_project_fingerprint``),
  and then runs ``dbt parse`` directly.
- ``DbtCliResource.cli`` runs ``dbt --version`` in a subprocess (~3.5 s) and loads a dbt adapter
  in-process (~5 s) on every invocation; the adapter only serves ``fetch_row_counts`` and
  ``fetch_column_metadata``, which this project does not use. ``JourneyDbtCliResource`` reads the
  installed version from the package metadata and skips the adapter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache, cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from packaging.version import Version

from dagster_project import fastpath, settings

PARSE_STATE_FILE = "journey_parse_state.json"


def dbt_executable() -> str:
    """The dbt installed beside this interpreter (the project's venv), else ``dbt`` on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else "dbt"


class JourneyDbtPreparer(DagsterDbtProjectPreparer):
    """``dbt parse`` only when something the manifest depends on changed."""

    def prepare(self, project: DbtProject) -> None:
        """Parse under a lock on the target folder: two builds starting at once parse it once."""
        from filelock import FileLock

        target = Path(project.project_dir) / project.target_path
        target.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target / ".journey_parse.lock")):
            self._prepare_unlocked(project, target)

    def _prepare_unlocked(self, project: DbtProject, target: Path) -> None:
        state_file = target / PARSE_STATE_FILE
        fingerprint = fastpath.dbt_project_fingerprint(settings.warehouse_path().stem, Path(project.project_dir))
        try:
            current = json.loads(state_file.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
        except (OSError, ValueError):
            current = False
        if current and project.manifest_path.exists():
            return
        command = [dbt_executable(), "parse", "--quiet", "--target-path", str(target),
                   "--profiles-dir", str(project.profiles_dir)]  # fmt: skip
        done = subprocess.run(command, cwd=project.project_dir, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(
                f"dbt parse failed in {project.project_dir} (exit {done.returncode}): fix the model or YAML "
                f"it names, then build again.\n{(done.stdout + done.stderr).strip()[-4000:]}"
            )
        state_file.write_text(json.dumps({"fingerprint": fingerprint}), encoding="utf-8")


class JourneyDbtCliResource(DbtCliResource):
    """``DbtCliResource`` without the per-invocation ``dbt --version`` subprocess and adapter load."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None  # only fetch_row_counts / fetch_column_metadata use it; this project calls neither


# Importing this module changes nothing in the environment: the CLI and `build_warehouse` pin
# JOURNEY_WAREHOUSE (which dbt's profiles.yml reads) with `settings.use_paths` when they start, and
# the dbt resource runs the dbt beside this interpreter (`dbt_executable`), not whatever PATH finds.
dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    target_path=settings.dbt_target_path(),
)
# DbtProject fixes its own preparer; builds and `journey prepare` call this one (build.prepare_dbt_project).
preparer = JourneyDbtPreparer()
# Under `make dev` (dg dev), parse through this preparer too: DbtProject's own would parse without
# recording the fingerprint, leaving a manifest for another warehouse name that builds then trust.
preparer.prepare_if_dev(dbt_project)


@cache
def dbt_manifest() -> dict[str, Any]:
    """The dbt manifest, parsed once per process and shared: the dbt assets, the marts the
    publication waits for and the published docs all read this one dict (prepare before the first call)."""
    return json.loads(Path(dbt_project.manifest_path).read_bytes())
