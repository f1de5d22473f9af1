"""The quality gate's Dagster definitions: the ledger asset and every raw expectation suite as asset checks.

Raw suites (Great Expectations) check the ingest assets; their ``critical`` expectations block dbt.
Mart invariants live in dbt, next to each model (``data_tests`` and ``unit_tests`` in the model's
YAML, singular tests in ``dbt/tests``): they run inside ``dbt build`` and report as asset checks of
the dbt assets, blocking what is downstream when they fail (error severity).
"""

import dagster as dg

from dagster_project.ingest.definitions import defs as ingest_defs
from dagster_project.quality.checks import raw_suite_checks
from dagster_project.quality.ledger import build_ledger_asset


def _ingest_keys() -> list[dg.AssetKey]:
    return sorted({key for assets in ingest_defs.assets or [] for key in assets.keys}, key=lambda key: key.path)


ingest_keys = _ingest_keys()

defs = dg.Definitions(
    assets=[build_ledger_asset(ingest_keys)],
    asset_checks=raw_suite_checks(ingest_keys),
)
