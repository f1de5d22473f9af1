"""The Dagster code location: it only assembles what each area defines next to its code."""

import dagster as dg

from dagster_project.ingest.definitions import defs as ingest_defs
from dagster_project.publish.definitions import defs as publish_defs
from dagster_project.quality.definitions import defs as quality_defs
from dagster_project.resources import WarehouseResource
from dagster_project.transform.definitions import defs as transform_defs

defs = dg.Definitions.merge(
    ingest_defs,
    transform_defs,
    quality_defs,
    publish_defs,
    dg.Definitions(resources={"warehouse": WarehouseResource()}),
)
