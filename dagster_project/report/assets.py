"""The journey-map report as a Dagster asset: drawn from the published marts, after each publication.

The report reads what ``publish`` wrote (the report layer may import publish; publish never imports
the report).
"""

import dagster as dg

from dagster_project.publish.assets import PUBLISHED_MARTS_KEY, SERVING_GROUP
from dagster_project.publish.publisher import PUBLISHED_DUCKDB
from dagster_project.report.cli import REPORT_FILE_NAME
from dagster_project.resources import WarehouseResource

JOURNEY_MAP_KEY = dg.AssetKey(["serving", "journey_map_report"])


@dg.asset(
    key=JOURNEY_MAP_KEY,
    group_name=SERVING_GROUP,
    deps=[PUBLISHED_MARTS_KEY],
    kinds={"html", "plotly"},
    description=(
        "The journey map report: one self-contained HTML page (opens with no network) drawn from the "
        "published marts — funnel by path, stage-transition Sankey, cohort retention, MRR bridge, NPS "
        "with its margin of error, touchpoints × stage and at-risk accounts. Written as "
        f"`{REPORT_FILE_NAME}` beside the published marts."
    ),
)
def journey_map_report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    from dagster_project.report.build import write_report  # plotly: imported when the report is drawn

    target = warehouse.publish_dir
    # one DuckDB connection opens the file once: a publication switched in meanwhile does not mix in
    result = write_report(target / PUBLISHED_DUCKDB, target / REPORT_FILE_NAME)
    for missing in result.missing:
        context.log.warning(f"report: {missing}")
    context.log.info(f"wrote {result.path} ({result.charts_drawn} charts drawn)")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(result.path)),
            "charts_drawn": result.charts_drawn,
            "charts_without_data": dg.MetadataValue.json(result.missing),
            "size_bytes": result.path.stat().st_size,
        }
    )


report_assets = [journey_map_report]
