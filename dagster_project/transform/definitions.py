import dagster as dg

from dagster_project.transform.assets import journey_dbt_models
from dagster_project.transform.project import JourneyDbtCliResource, dbt_executable, dbt_project

defs = dg.Definitions(
    assets=[journey_dbt_models],
    resources={"dbt": JourneyDbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())},
)
