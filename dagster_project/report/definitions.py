"""The report's Dagster definitions: the journey-map report asset (group ``serving``)."""

import dagster as dg

from dagster_project.report.assets import report_assets

defs = dg.Definitions(assets=report_assets)
