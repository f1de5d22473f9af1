"""The journey-map report: a self-contained HTML page with every chart, checked in headless Chromium.

The browser test opens the report the Dagster build wrote beside the generated business's warehouse:
the page loads with no console error and no network request, and every chart is drawn (screenshots
go to ``reports/test_output/`` or ``$JOURNEY_TEST_OUTPUT``). Chromium comes from Debian's package
(``scripts/ensure_chromium.sh``, run by ``make test``); without it the browser test skips and says so.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dagster_project.report.build import write_report
from dagster_project.report.charts import CHARTS
from tests.conftest import REPO_ROOT

SCRIPTS = REPO_ROOT / "scripts"
TEST_OUTPUT = Path(os.environ.get("JOURNEY_TEST_OUTPUT", REPO_ROOT / "reports" / "test_output"))


def load_headless_chromium():
    spec = importlib.util.spec_from_file_location("headless_chromium", SCRIPTS / "headless_chromium.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["headless_chromium"] = module
    spec.loader.exec_module(module)
    return module


def chromium_or_skip():
    browser = load_headless_chromium()
    if browser.find_chromium() is None:
        subprocess.run(["bash", str(SCRIPTS / "ensure_chromium.sh")], check=False)
    if browser.find_chromium() is None:
        pytest.skip(
            "Chromium is not installed and could not be installed here (apt-get needs root): "
            "run scripts/ensure_chromium.sh as root, or set JOURNEY_CHROMIUM to a Chromium binary"
        )
    return browser


def mrr_only_marts(path: Path) -> Path:
    """A published marts file (marts in schema main) with just mart_mrr_monthly (three months)."""
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create table main.mart_mrr_monthly as
            select * from (values
                (date '2024-01-01', 0.0, 100.0, 0.0, 0.0, 0.0, 0.0, 100.0, 1200.0, 1, null),
                (date '2024-02-01', 100.0, 50.0, 25.0, 0.0, 0.0, 0.0, 175.0, 2100.0, 2, 0.0),
                (date '2024-03-01', 175.0, 0.0, 0.0, 0.0, 10.0, 40.0, 125.0, 1500.0, 1, 0.5)
            ) as months(month, starting_mrr, new_mrr, expansion_mrr, reactivation_mrr,
                        contraction_mrr, churned_mrr, ending_mrr, arr, customers, logo_churn_rate)
            """
        )
    return path


def test_a_chart_whose_mart_is_missing_says_so_and_the_rest_are_drawn(tmp_path: Path):
    result = write_report(mrr_only_marts(tmp_path / "marts.duckdb"), tmp_path / "report.html")
    page = result.path.read_text(encoding="utf-8")
    assert result.charts_drawn == 1
    assert len(result.missing) == len(CHARTS) - 1
    for spec in CHARTS:
        if spec.mart == "mart_mrr_monthly":
            assert 'id="chart-mrr"' in page
        else:
            assert f"no data: {spec.mart} not built" in page
    # the latest month's headline figures come from the mart
    assert "2024-03" in page and ">125<" in page and "50.0%" in page


def test_the_page_needs_no_network(tmp_path: Path):
    result = write_report(mrr_only_marts(tmp_path / "marts.duckdb"), tmp_path / "report.html")
    page = result.path.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", page), "every script must be inline"
    assert not re.search(r"<link[^>]+href=\"?https?:", page), "no stylesheet from the network"
    assert "Plotly.newPlot" in page or "Plotly.react" in page
    assert result.path.stat().st_size > 1_000_000  # plotly.js itself is inlined


def test_journey_report_command_writes_beside_the_warehouse(mini_warehouse: Path, tmp_path: Path):
    out = tmp_path / "from_cli.html"
    completed = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "report", "--warehouse", str(mini_warehouse), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert out.is_file()
    assert str(mini_warehouse.parent / "marts.duckdb") in completed.stdout  # read the published copy
    missing = subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", "report", "--source", str(tmp_path / "nope.duckdb")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr


def test_the_build_writes_the_report_beside_the_warehouse(generated_warehouse: Path):
    report = generated_warehouse.parent / "journey_map.html"
    assert report.is_file(), "the Dagster build did not write the journey map"
    page = report.read_text(encoding="utf-8")
    missing = re.findall(r'<div class="no-data">(.*?)</div>', page)
    assert missing == [], f"charts without data on the generated business: {missing}"


def latest_invoice_month(exports: Path) -> date:
    """The month of the latest invoice in the billing exports (plain or gzipped JSON lines)."""
    latest = 0
    for path in (exports / "billing").glob("*invoices*.jsonl*"):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    latest = max(latest, int(json.loads(line)["created"]))
    assert latest > 0, f"no invoice in {exports / 'billing'}"
    moment = datetime.fromtimestamp(latest, UTC)
    return date(moment.year, moment.month, 1)


CHART_CHECK_JS = """
(() => {
  const sections = [...document.querySelectorAll('main section')];
  return sections.map(section => {
    const plot = section.querySelector('.js-plotly-plot');
    const data = plot && plot.data ? plot.data : [];
    return {
      id: section.id,
      noData: section.querySelector('.no-data') !== null,
      svg: plot ? plot.querySelectorAll('.main-svg').length : 0,
      traces: data.length,
      types: data.map(trace => trace.type || 'scatter'),
      points: plot && plot.calcdata ? plot.calcdata.reduce((sum, trace) => sum + (trace ? trace.length : 0), 0) : 0,
      drawn: plot ? plot.querySelectorAll(
        '.trace, .bars .point, .heatmaplayer image, .sankey-link, .table-control-view, .funnel').length : 0,
      width: plot ? plot.getBoundingClientRect().width : 0,
      height: plot ? plot.getBoundingClientRect().height : 0,
    };
  });
})()
"""
ALL_CHARTS_DRAWN_JS = (
    "document.querySelectorAll('main section').length > 0 && "
    "[...document.querySelectorAll('main section .js-plotly-plot')]"
    ".every(plot => plot._fullLayout && plot.querySelectorAll('.main-svg').length > 0)"
)


@pytest.mark.slow
def test_the_report_renders_every_chart_in_chromium(generated_warehouse: Path, generated_exports: Path):
    browser = chromium_or_skip()
    report = generated_warehouse.parent / "journey_map.html"
    TEST_OUTPUT.mkdir(parents=True, exist_ok=True)
    screenshot = TEST_OUTPUT / "journey_map.png"
    page = browser.open_page(
        report.as_uri(),
        screenshot=screenshot,
        width=1400,
        wait_js=ALL_CHARTS_DRAWN_JS,
        evaluate_js=CHART_CHECK_JS,
        timeout=120,
    )
    print(f"\nscreenshot of the journey map: {screenshot}")
    assert page.console_errors == []
    foreign = [url for url in page.requested_urls if not url.startswith(("file:", "data:", "blob:"))]
    assert foreign == [], f"the page asked the network for {foreign}"

    charts = {chart["id"]: chart for chart in page.evaluation}
    assert set(charts) == {spec.slug for spec in CHARTS}
    for slug, chart in charts.items():
        assert not chart["noData"], f"{slug}: no data"
        assert chart["svg"] > 0 and chart["traces"] > 0, f"{slug}: not drawn ({chart})"
        assert chart["points"] > 0 and chart["drawn"] > 0, f"{slug}: drawn empty ({chart})"
        assert chart["width"] > 600 and chart["height"] > 200, f"{slug}: too small ({chart})"
    assert charts["sankey"]["types"] == ["sankey"]
    assert "heatmap" in charts["cohorts"]["types"] and "heatmap" in charts["touchpoints"]["types"]
    assert charts["at_risk"]["types"] == ["table"]
    assert screenshot.is_file() and screenshot.stat().st_size > 50_000

    # the MRR bridge runs to the latest month with invoices in the exports
    with duckdb.connect(str(generated_warehouse.parent / "marts.duckdb"), read_only=True) as con:
        last_month = con.execute("select max(month) from marts.mart_mrr_monthly").fetchall()[0][0]
    assert last_month >= latest_invoice_month(generated_exports)


def test_every_chart_has_a_title_a_reading_guide_and_its_mart():
    assert len({spec.slug for spec in CHARTS}) == len(CHARTS) == 7
    for spec in CHARTS:
        assert spec.title and len(spec.how_to_read) > 40 and spec.mart.startswith(("mart_", "fct_"))


def test_a_chart_that_cannot_be_drawn_says_why_and_spares_the_others(tmp_path: Path):
    marts = mrr_only_marts(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts)) as con:  # an NPS mart whose figures are not numbers
        con.execute(
            "create table main.mart_nps as select date '2024-01-01' as month, 'overall' as dimension, "
            "'all' as dimension_value, 'lots' as nps, 3 as responses, 1.0 as nps_margin_of_error_95"
        )
    result = write_report(marts, tmp_path / "report.html")
    page = result.path.read_text(encoding="utf-8")
    assert result.charts_drawn == 1
    assert "could not draw this chart from mart_nps" in page
    assert any(item.startswith("NPS by month: could not be drawn") for item in result.missing)


# --- readability: currency, Sankey, cohort sizes, thin NPS months, no local path ---------------------


def open_reader(path: Path):
    from dagster_project.report.data import open_marts

    return open_marts(path)


def with_ledger(path: Path, currency: str | None, publication_id: str = "20240301T000000Z-abc") -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema meta")
        con.execute(
            "create table meta.publication as select ? as publication_id, timestamp '2024-03-01' as published_at, "
            "'mart_mrr_monthly' as mart, 3 as row_count, ? as reporting_currency",
            [publication_id, currency],
        )
    return path


def test_money_on_tiles_axes_and_table_names_the_reporting_currency(tmp_path: Path):
    from dagster_project.report.charts import mrr_bridge

    marts = with_ledger(mrr_only_marts(tmp_path / "marts.duckdb"), "EUR")
    page = write_report(marts, tmp_path / "report.html").path.read_text(encoding="utf-8")
    assert "<span>ending MRR (EUR)</span>" in page and "<span>ARR (EUR)</span>" in page
    assert "Amounts in EUR." in page
    with open_reader(marts) as reader:
        figure = mrr_bridge(reader)
    titles = [axis.title.text for axis in (figure.layout.yaxis, figure.layout.yaxis2)]
    assert titles == ["MRR movement (EUR)", "ending MRR (EUR)"]
    assert all(trace.hovertemplate.endswith(f"EUR<extra>{trace.name}</extra>") for trace in figure.data)
    # a file without a ledger (the warehouse itself): the dbt var reporting_currency (usd)
    plain = write_report(mrr_only_marts(tmp_path / "plain.duckdb"), tmp_path / "plain.html")
    assert "<span>ending MRR (USD)</span>" in plain.path.read_text(encoding="utf-8")


def test_the_footer_names_the_file_and_publication_never_a_local_path(tmp_path: Path):
    marts = with_ledger(mrr_only_marts(tmp_path / "marts.duckdb"), "USD", publication_id="20240301T000000Z-abc")
    page = write_report(marts, tmp_path / "report.html").path.read_text(encoding="utf-8")
    footer = re.search(r"<footer>(.*?)</footer>", page, re.S).group(1)
    assert "from marts.duckdb, publication 20240301T000000Z-abc," in footer
    assert str(tmp_path) not in page and "/" not in footer.split("Charts")[0]


def transitions_marts(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create table main.mart_stage_transitions as select * from (values
                ('start', 'lead', 10), ('lead', 'marketing_qualified_lead', 8),
                ('marketing_qualified_lead', 'sales_qualified_lead', 6), ('sales_qualified_lead', 'customer', 5),
                ('customer', 'onboarded', 5), ('onboarded', 'churned', 2), ('churned', 'reactivated', 1),
                ('customer', 'lead', 1)
            ) as moves(from_stage, to_stage, transitions)
            """
        )
    return path


def test_the_sankey_orders_colours_and_spaces_its_stages(tmp_path: Path):
    from dagster_project.report.charts import STAGE_GROUPS, stage_transitions_sankey

    with open_reader(transitions_marts(tmp_path / "marts.duckdb")) as reader:
        figure = stage_transitions_sankey(reader)
    sankey = figure.data[0]
    assert list(sankey.node.label) == ["start", "lead", "MQL", "SQL", "customer", "onboarded", "churned", "reactivated"]
    blue, green, red, amber = (colour for colour, _ in STAGE_GROUPS.values())
    assert list(sankey.node.color) == [blue, blue, blue, blue, green, green, red, amber]
    assert list(sankey.node.x) == sorted(sankey.node.x) and len(set(sankey.node.x)) == 8  # one column each
    assert list(sankey.node.y) == [0.3, 0.7] * 4  # neighbours' labels at different heights
    assert sankey.arrangement == "fixed"
    # a band has its source's colour; the move back down (customer → lead) is counted, not drawn
    assert len(sankey.link.value) == 7 and sankey.link.color[0] == "rgba(74, 127, 181, 0.35)"
    assert figure.layout.title.text == "1 move(s) back down the ladder are not drawn"
    spec = next(spec for spec in CHARTS if spec.slug == "sankey")
    assert spec.min_width > 0 and "Node colours: blue before the first payment" in spec.how_to_read


def test_every_cohort_row_is_labelled_with_its_size(tmp_path: Path):
    from dagster_project.report.charts import cohort_retention_heatmap

    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create table main.mart_cohort_retention as
            select date '2023-01-01' + to_months(cohort::int) as cohort_month, since::int as months_since_start,
                   'all' as segment, 'all' as journey_path, 10 + cohort as cohort_customers,
                   0.9 as logo_retention, 1.1 as net_revenue_retention, 0.8 as gross_revenue_retention
            from range(14) as cohorts(cohort), range(3) as months(since)
            """
        )
    with open_reader(path) as reader:
        figure = cohort_retention_heatmap(reader)
    expected = [f"{2023 + (month // 12)}-{month % 12 + 1:02d} · {10 + month}" for month in range(14)]
    assert list(figure.layout.yaxis.ticktext) == expected == list(figure.layout.yaxis.tickvals)
    assert list(figure.data[0].y) == expected


def test_nps_months_with_too_few_answers_are_grey_and_whiskers_stay_on_the_scale(tmp_path: Path):
    from dagster_project.report.charts import NPS_MIN_RESPONSES, nps_by_month, nps_error_bars

    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create table main.mart_nps as select * from (values
                (date '2024-01-01', 'overall', 'all', 100.0, 2, 0.0),
                (date '2024-02-01', 'overall', 'all', 90.0, 50, 30.0),
                (date '2024-03-01', 'overall', 'all', -100.0, 3, 0.0),
                (date '2024-04-01', 'overall', 'all', -20.0, 40, 25.0),
                (date '2024-04-01', 'segment', 'smb', 50.0, 12, 40.0)
            ) as nps(month, dimension, dimension_value, nps, responses, nps_margin_of_error_95)
            """
        )
    with open_reader(path) as reader:
        figure = nps_by_month(reader)
    read, thin, bars = figure.data
    # the line has a gap at each thin month (it does not bridge them); whiskers stop at 100
    assert list(read.y) == [None, 90.0, None, -20.0] and read.connectgaps is False
    assert [str(month)[:7] for month in thin.x] == ["2024-01", "2024-03"]
    assert list(thin.y) == [100.0, -100.0]
    assert thin.error_y.array is None and thin.marker.color == "#b8c2c7"
    assert list(read.error_y.array) == [0.0, 10.0, 0.0, 25.0] and list(read.error_y.arrayminus) == [
        0.0,
        30.0,
        0.0,
        25.0,
    ]
    assert list(bars.marker.color) == ["#b8c2c7", "#8fb8c9", "#b8c2c7", "#8fb8c9"]
    assert figure.layout.title.text == (
        f"2 of 4 months have fewer than {NPS_MIN_RESPONSES} answers: grey, without a margin, not joined to the line"
    )
    assert nps_error_bars(pd.Series([95.0, -99.0]), pd.Series([20.0, None])) == ([5.0, 0.0], [20.0, 0.0])


READABILITY_JS = """
(() => {
  const boxes = [...document.querySelectorAll('#chart-sankey .sankey-node .node-label')]
    .map(text => { const box = text.getBoundingClientRect();
                   return {text: text.textContent, left: box.left, right: box.right, top: box.top,
                           bottom: box.bottom}; })
    .filter(box => box.text);
  const overlaps = [];
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach(b => {
    if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) {
      overlaps.push([a.text, b.text]);
    }
  }));
  const text = selector => [...document.querySelectorAll(selector)].map(node => node.textContent);
  return {
    sankeyLabels: boxes.map(box => box.text),
    overlaps: overlaps,
    cohortTicks: text('#chart-cohorts .yaxislayer-above .ytick text'),
    mrrAxisTitles: text('#chart-mrr .g-ytitle text, #chart-mrr .g-y2title text'),
    kpis: text('.kpi span'),
    footer: document.querySelector('footer').textContent,
    pageOverflow: document.documentElement.scrollWidth - window.innerWidth,
  };
})()
"""


@pytest.mark.slow
@pytest.mark.parametrize("device,width", [("laptop", 1366), ("phone", 390)])
def test_the_report_reads_well_on_a_laptop_and_a_phone(generated_warehouse: Path, device: str, width: int):
    browser = chromium_or_skip()
    report = generated_warehouse.parent / "journey_map.html"
    screenshot = TEST_OUTPUT / f"journey_map_{device}.png"  # reports/ is git-ignored
    page = browser.open_page(
        report.as_uri(),
        screenshot=screenshot,
        width=width,
        height=844 if device == "phone" else 768,
        wait_js=ALL_CHARTS_DRAWN_JS,
        evaluate_js=READABILITY_JS,
        timeout=120,
    )
    print(f"\nscreenshot at {width}px: {screenshot}")
    assert page.console_errors == []
    seen = page.evaluation
    with duckdb.connect(str(generated_warehouse.parent / "marts.duckdb"), read_only=True) as con:
        cohorts = con.execute(
            "select strftime(cohort_month, '%Y-%m') || ' · ' || max(cohort_customers) from mart_cohort_retention "
            "where segment = 'all' and journey_path = 'all' group by cohort_month order by cohort_month"
        ).fetchall()
    assert seen["cohortTicks"] == [label for (label,) in cohorts], "every cohort row labelled, with its size"
    assert len(seen["sankeyLabels"]) >= 8
    assert seen["overlaps"] == [], f"Sankey labels overlap at {width}px: {seen['overlaps']}"
    assert seen["pageOverflow"] <= 0, f"the page is {seen['pageOverflow']}px wider than a {width}px screen"
    assert "ending MRR (USD)" in seen["kpis"] and "ARR (USD)" in seen["kpis"]
    assert sorted(seen["mrrAxisTitles"]) == ["MRR movement (USD)", "ending MRR (USD)"]
    assert "from marts.duckdb, publication " in seen["footer"] and str(generated_warehouse.parent) not in seen["footer"]
