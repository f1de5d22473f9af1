import dagster as dg

from dagster_project.ingest.assets import raw_assets

defs = dg.Definitions(assets=raw_assets)
