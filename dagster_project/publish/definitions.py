"""Serving: the published marts, the build job, its schedule and sensor (the report asset: ``report``)."""

import dagster as dg

from dagster_project.publish.assets import serving_assets
from dagster_project.publish.automation import daily_build_schedule, journey_build, new_exports_sensor

defs = dg.Definitions(
    assets=serving_assets,
    jobs=[journey_build],
    schedules=[daily_build_schedule],
    sensors=[new_exports_sensor],
)
