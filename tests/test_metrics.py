"""Metrics by name (dbt MetricFlow): each headline metric, queried with ``mf query`` as an analyst
would, gives the numbers of the mart that defines it; NPS also matches a count from the export file.

The dbt project and the generated business's warehouse are copied to a temporary folder first:
``mf`` reads ``target/semantic_manifest.json`` inside the project it runs in and opens the warehouse
read-write, so the test touches neither the shared project folder nor the session's warehouse.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, query

pytestmark = pytest.mark.slow

MF = Path(sys.executable).with_name("mf")
DBT = Path(sys.executable).with_name("dbt")
COPY_IGNORE = shutil.ignore_patterns("target*", "logs", "dbt_packages", ".user.yml")


class MetricFlow:
    def __init__(self, project: Path, warehouse: Path) -> None:
        self.project = project
        self.env = {**os.environ, "JOURNEY_WAREHOUSE": str(warehouse), "DBT_PROFILES_DIR": str(project)}
        self.env.pop("DBT_TARGET_PATH", None)
        self.calls = 0

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(args[0]), *args[1:]],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def query(self, metrics: list[str], group_by: list[str], where: str | None = None) -> list[dict[str, str]]:
        """``mf query --metrics … --group-by …``, its rows as dictionaries of text."""
        self.calls += 1
        out = self.project / f"query_{self.calls}.csv"
        args = [str(MF), "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by)]
        if where:
            args += ["--where", where]
        completed = self.run(*args, "--csv", str(out), "--quiet")
        assert completed.returncode == 0 and out.exists(), (
            f"mf query {metrics} by {group_by} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
        with out.open(newline="") as handle:
            return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def metricflow(generated_warehouse: Path, tmp_path_factory) -> MetricFlow:
    root = tmp_path_factory.mktemp("metricflow")
    project = root / "dbt"
    shutil.copytree(REPO_ROOT / "dbt", project, ignore=COPY_IGNORE)
    # the same file name: dbt-duckdb's views name the catalog after it
    warehouse = root / "warehouse" / generated_warehouse.name
    warehouse.parent.mkdir()
    shutil.copyfile(generated_warehouse, warehouse)
    flow = MetricFlow(project, warehouse)
    parsed = flow.run(str(DBT), "parse", "--quiet")
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    assert (project / "target" / "semantic_manifest.json").is_file()
    return flow


def as_month(text: str) -> date:
    return datetime.fromisoformat(text).date().replace(day=1)


def as_number(text: str) -> float | None:
    return None if text in ("", "None", "nan") else float(text)


def close(left: float | None, right: float | None, tolerance: float = 1e-6) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=tolerance, abs_tol=tolerance)


def test_the_semantic_layer_validates(metricflow: MetricFlow):
    completed = metricflow.run(str(MF), "validate-configs", "--skip-dw")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    listed = metricflow.run(str(MF), "list", "metrics")
    for name in ["mrr", "nrr", "grr", "logo_churn_rate", "nps", "stage_conversion"]:
        assert f"• {name}:" in listed.stdout or f"{name}:" in listed.stdout, f"metric {name} missing"


def test_mrr_customers_and_logo_churn_by_month_match_the_mrr_mart(metricflow: MetricFlow, generated_warehouse: Path):
    rows = metricflow.query(["mrr", "paying_customers", "logo_churn_rate"], ["metric_time__month"])
    by_month = {as_month(row["metric_time__month"]): row for row in rows}
    mart = query(
        generated_warehouse,
        "select month, ending_mrr::double, customers, logo_churn_rate from marts.mart_mrr_monthly",
    )
    assert len(mart) > 6
    paying_months = [month for month, ending, *_ in mart if ending > 0]
    assert set(paying_months) <= set(by_month)
    for month, ending_mrr, customers, logo_churn_rate in mart:
        if month not in by_month:
            assert ending_mrr == 0
            continue
        row = by_month[month]
        assert close(as_number(row["mrr"]), ending_mrr, 1e-9), month
        assert as_number(row["paying_customers"]) == customers, month
        assert close(as_number(row["logo_churn_rate"]), logo_churn_rate), month


def test_mrr_by_quarter_is_the_quarters_last_month(metricflow: MetricFlow, generated_warehouse: Path):
    rows = metricflow.query(["mrr"], ["metric_time__quarter"])
    mart = query(generated_warehouse, "select month, ending_mrr::double from marts.mart_mrr_monthly")
    last_of_quarter: dict[date, tuple[date, float]] = {}
    for month, ending in mart:
        quarter = date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
        if quarter not in last_of_quarter or month > last_of_quarter[quarter][0]:
            last_of_quarter[quarter] = (month, ending)
    by_quarter = {as_month(row["metric_time__quarter"]): as_number(row["mrr"]) for row in rows}
    for quarter, (_, ending) in last_of_quarter.items():
        if ending:
            assert close(by_quarter[quarter], ending, 1e-9), quarter


def cohort_totals_filter(warehouse: Path) -> str:
    columns = {
        row[0]
        for row in query(
            warehouse,
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = 'mart_cohort_retention'",
        )
    }
    if {"segment", "journey_path"} <= columns:
        return "segment = 'all' and journey_path = 'all'"
    return "dimension = 'all'"


def test_nrr_grr_and_logo_retention_match_the_cohort_mart(metricflow: MetricFlow, generated_warehouse: Path):
    rows = metricflow.query(
        ["nrr", "grr", "logo_retention"],
        ["cohort__start_month", "cohort__months_since_start"],
    )
    flow = {(as_month(row["cohort__start_month__month"]), int(row["cohort__months_since_start"])): row for row in rows}
    mart = query(
        generated_warehouse,
        "select cohort_month, months_since_start, net_revenue_retention, gross_revenue_retention, "
        f"logo_retention from marts.mart_cohort_retention where {cohort_totals_filter(generated_warehouse)}",
    )
    assert len(mart) > 20
    assert {(cohort, months) for cohort, months, *_ in mart} == set(flow)
    for cohort, months, nrr, grr, logo in mart:
        row = flow[(cohort, months)]
        assert close(as_number(row["nrr"]), nrr), (cohort, months, "nrr")
        assert close(as_number(row["grr"]), grr), (cohort, months, "grr")
        assert close(as_number(row["logo_retention"]), logo), (cohort, months, "logo_retention")


def test_nps_by_segment_matches_the_nps_mart(metricflow: MetricFlow, generated_warehouse: Path):
    rows = metricflow.query(
        ["nps", "nps_respondents", "nps_margin_of_error_95", "nps_average_score"],
        ["metric_time__month", "nps_response__segment"],
    )
    flow = {(as_month(row["metric_time__month"]), row["nps_response__segment"]): row for row in rows}
    mart = query(
        generated_warehouse,
        "select month, dimension_value, nps, responses, nps_margin_of_error_95, average_score "
        "from marts.mart_nps where dimension = 'segment'",
    )
    assert len(mart) > 10
    for month, segment, nps, responses, margin, average in mart:
        row = flow[(month, segment)]
        assert as_number(row["nps_respondents"]) == responses, (month, segment)
        assert close(as_number(row["nps"]), nps), (month, segment)
        assert close(as_number(row["nps_margin_of_error_95"]), margin), (month, segment)
        assert close(as_number(row["nps_average_score"]), average), (month, segment)


def nps_by_month_from_exports(exports: Path) -> dict[date, tuple[int, float]]:
    """NPS per month from the survey CSVs: NPS-type rows, a respondent (email, any case) once a month
    with the latest answer; promoters 9–10, detractors 0–6."""
    responses: dict[str, dict[str, str]] = {}
    for path in sorted((exports / "surveys").glob("*nps*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                responses[row["response_id"]] = row  # a later file's copy of a response wins
    latest: dict[tuple[date, str], tuple[datetime, str, int]] = {}
    for response_id, row in responses.items():
        if (row.get("survey_type") or "nps").strip().lower() != "nps":
            continue
        try:
            score = int(row["score"])
            answered = datetime.fromisoformat(row["responded_at"].replace("Z", "+00:00"))
        except ValueError:
            continue
        if not 0 <= score <= 10:
            continue
        respondent = (row["email"] or "").strip().lower() or f"response:{response_id}"
        key = (answered.date().replace(day=1), respondent)
        if key not in latest or (answered, response_id) > latest[key][:2]:
            latest[key] = (answered, response_id, score)
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for (month, _), (_, _, score) in latest.items():
        counts[month][0] += 1
        counts[month][1] += score >= 9
        counts[month][2] += score <= 6
    return {month: (n, 100 * (p - d) / n) for month, (n, p, d) in counts.items()}


def test_nps_by_month_matches_the_survey_export(metricflow: MetricFlow, generated_exports: Path):
    expected = nps_by_month_from_exports(generated_exports)
    assert len(expected) > 6
    rows = metricflow.query(["nps", "nps_respondents"], ["metric_time__month"])
    flow = {as_month(row["metric_time__month"]): row for row in rows}
    assert set(flow) == set(expected)
    for month, (respondents, nps) in expected.items():
        assert as_number(flow[month]["nps_respondents"]) == respondents, month
        assert close(as_number(flow[month]["nps"]), nps), month


def test_stage_conversion_matches_the_funnel(metricflow: MetricFlow, generated_warehouse: Path):
    rows = metricflow.query(["stage_conversion"], ["funnel__cohort_month", "funnel__stage"])
    flow = {
        (as_month(row["funnel__cohort_month__month"]), row["funnel__stage"]): as_number(row["stage_conversion"])
        for row in rows
    }
    mart = query(
        generated_warehouse,
        "select cohort_month, stage, conversion_from_previous from marts.mart_lifecycle_funnel "
        "where segment = 'all' and journey_path = 'all' and stage_order > 0",
    )
    assert len(mart) > 20
    for cohort, stage, conversion in mart:
        assert close(flow.get((cohort, stage)), conversion), (cohort, stage)
