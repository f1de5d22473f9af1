"""The one dbt project, resolved from this file; prepared (``dbt parse``) before runs and tests."""

from __future__ import annotations

from dagster_dbt import DbtProject

from dagster_project import settings

settings.use_paths()  # dbt's profiles.yml reads JOURNEY_WAREHOUSE

dbt_project = DbtProject(
    project_dir=settings.DBT_PROJECT_DIR,
    profiles_dir=settings.DBT_PROJECT_DIR,
    target_path=settings.dbt_target_path(),
)
dbt_project.prepare_if_dev()
