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
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path

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
        target = Path(project.project_dir) / project.target_path
        state_file = target / PARSE_STATE_FILE
        fingerprint = fastpath.dbt_project_fingerprint(settings.warehouse_path().stem)
        try:
            current = json.loads(state_file.read_text(encoding="utf-8")).get("fingerprint") == fingerprint
        except (OSError, ValueError):
            current = False
        if current and project.manifest_path.exists():
            return
        command = [dbt_executable(), "parse", "--quiet", "--target-path", str(target)]
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


settings.use_paths()  # dbt's profiles.yml reads JOURNEY_WAREHOUSE

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
