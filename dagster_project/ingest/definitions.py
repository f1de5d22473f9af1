import dagster as dg

from dagster_project.ingest.assets import raw_assets
from dagster_project.ingest.generic_assets import generic_assets

defs = dg.Definitions(assets=[*raw_assets, *generic_assets])
