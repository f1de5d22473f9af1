"""The Dagster code location: it only assembles what each area defines next to its code.

Each area's ``Definitions`` is referenced through its module, so this module holds exactly one
``Definitions`` object at module scope (``dagster dev -m`` refuses more than one).
"""

import dagster as dg

from dagster_project.ingest import definitions as ingest
from dagster_project.publish import definitions as publish
from dagster_project.quality import definitions as quality
from dagster_project.report import definitions as report
from dagster_project.resources import WarehouseResource
from dagster_project.transform import definitions as transform

defs = dg.Definitions.merge(
    ingest.defs,
    transform.defs,
    quality.defs,
    publish.defs,
    report.defs,
    dg.Definitions(resources={"warehouse": WarehouseResource()}),
)
