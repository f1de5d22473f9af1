"""The raw expectation suites as Dagster asset checks: ``critical`` blocks what is downstream, ``warning`` reports.

Each suite in ``expectations/raw/`` becomes one multi-asset check on its raw table with two checks:

- ``expectations_error`` (blocking, severity ERROR): fails when a ``critical`` expectation fails;
  Dagster then runs no dbt model downstream, so the previous marts stay in place.
- ``expectations_warn`` (severity WARN): fails when a ``warning`` expectation fails; blocks nothing.

Both carry the failing expectations in their description (count, share, examples naming file and
row) and the path of the run's HTML report (``quality/runs/<run id>/index.html``).

The check judges only files not yet judged by the current suite (``validate_new_files``; the
outcome of unchanged files comes from ``raw._validated_files``), so a rebuild with no new export
reads no raw row into Python, and a file that failed keeps failing until it is fixed or removed.
Mart invariants are not checked here: they are dbt tests next to each model (``dbt/models/marts``).
"""

from collections.abc import Iterable, Iterator

import dagster as dg

from dagster_project.quality.report import quality_dir, write_result
from dagster_project.quality.suites import Outcome, Suite, SuiteResult, load_suites, validate_new_files
from dagster_project.resources import WarehouseResource
from dagster_project.settings import WAREHOUSE_POOL

ERROR_CHECK = "expectations_error"
WARN_CHECK = "expectations_warn"
DESCRIPTION_OUTCOMES = 8  # failing expectations listed in a check's description


def describe(result: SuiteResult, outcomes: list[Outcome], label: str) -> str:
    if not outcomes:
        reused = f" (and {result.rows_reused} of unchanged files, judged before)" if result.files_reused else ""
        return f"{result.suite}: every {label} expectation holds on {result.rows} rows judged now{reused}"
    listed = "; ".join(outcome.summary for outcome in outcomes[:DESCRIPTION_OUTCOMES])
    more = f"; and {len(outcomes) - DESCRIPTION_OUTCOMES} more" if len(outcomes) > DESCRIPTION_OUTCOMES else ""
    return f"{result.suite}: {len(outcomes)} {label} expectation(s) failed — {listed}{more}"


def check_results(result: SuiteResult, asset_key: dg.AssetKey, report: str | None) -> Iterator[dg.AssetCheckResult]:
    """The two check results (error, warn) of one suite result."""
    for check_name, severity, label, dagster_severity in (
        (ERROR_CHECK, "critical", "critical", dg.AssetCheckSeverity.ERROR),
        (WARN_CHECK, "warning", "warning", dg.AssetCheckSeverity.WARN),
    ):
        failed = result.failed(severity)
        yield dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=check_name,
            passed=not failed,
            severity=dagster_severity,
            description=describe(result, failed, label),
            metadata={
                "suite": result.suite,
                "rows_judged": result.rows,
                "files_judged": result.files_judged,
                "files_unchanged": result.files_reused,
                "rows_of_unchanged_files": result.rows_reused,
                "failed_expectations": [outcome.name for outcome in failed],
                "failing_rows": sum(outcome.unexpected_count or 0 for outcome in failed),
                **({"report": dg.MetadataValue.path(report)} if report else {}),
            },
        )


def build_suite_check(suite: Suite, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    deps = [dg.AssetKey(list(key)) for key in suite.depends_on if dg.AssetKey(list(key)) != asset_key]
    specs = [
        dg.AssetCheckSpec(
            ERROR_CHECK,
            asset=asset_key,
            blocking=True,
            additional_deps=deps,
            description=f"Critical expectations of {suite.path.name}: {suite.description}",
        ),
        dg.AssetCheckSpec(
            WARN_CHECK,
            asset=asset_key,
            additional_deps=deps,
            description=f"Warning-level expectations of {suite.path.name} (reported, never blocking).",
        ),
    ]

    @dg.multi_asset_check(
        name=f"{suite.kind}_{suite.check_stem}_expectations",
        specs=specs,
        pool=WAREHOUSE_POOL,
        description=f"Validates {asset_key.to_user_string()} with {suite.path.name} (Great Expectations).",
    )
    def _suite_check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        with warehouse.connect() as con:  # writes raw._validated_files
            result = validate_new_files(con, suite)
        report = str(write_result(result, context.run.run_id, quality_dir(warehouse.warehouse_path)))
        for outcome in result.failed("critical") + result.failed("warning"):
            log = context.log.error if outcome.severity == "critical" else context.log.warning
            log(f"{suite.name} [{outcome.severity}] {outcome.summary} — {outcome.description}")
        context.log.info(
            f"{suite.name}: {result.rows} rows of {result.files_judged} new or changed file(s) judged in "
            f"{result.seconds:.1f}s; {result.files_reused} unchanged file(s) ({result.rows_reused} rows) "
            f"kept their recorded outcome; report {report}"
        )
        yield from check_results(result, asset_key, report)

    return _suite_check


def raw_suite_checks(asset_keys: Iterable[dg.AssetKey]) -> list[dg.AssetChecksDefinition]:
    """A check per raw suite whose asset exists."""
    known = set(asset_keys)
    checks = []
    for suite in load_suites(kind="raw"):
        key = dg.AssetKey(list(suite.target))
        if key in known:
            checks.append(build_suite_check(suite, key))
    return checks
