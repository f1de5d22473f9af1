"""Write the journey-map report: one HTML file with Plotly's JavaScript inlined (opens offline).

Each chart reads its mart; a chart whose mart is not built says so in place of the chart
("no data: <mart> not built") and the rest of the page is drawn as usual.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from dagster_project.publish.publisher import access_modes
from dagster_project.report.charts import CHARTS, TEMPLATE, ChartSpec
from dagster_project.report.data import MartReader, NoData, open_marts

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}


@dataclass
class ReportResult:
    path: Path
    charts_drawn: int = 0
    missing: list[str] = field(default_factory=list)


def _headline(marts: MartReader) -> list[tuple[str, str]]:
    """A few figures for the top of the page, from the latest month of the MRR mart."""
    if not marts.has("mart_mrr_monthly"):
        return []
    rows = marts.frame(
        "select month, ending_mrr::double as ending_mrr, arr::double as arr, customers, "
        f"logo_churn_rate::double as logo_churn_rate from {marts.table('mart_mrr_monthly')} "
        "order by month desc limit 1"
    )
    if rows.empty:
        return []
    latest = rows.iloc[0]
    churn = latest["logo_churn_rate"]
    currency = marts.currency
    return [
        ("latest month", f"{latest['month']:%Y-%m}"),
        (f"ending MRR ({currency})", f"{latest['ending_mrr']:,.0f}"),
        (f"ARR ({currency})", f"{latest['arr']:,.0f}"),
        ("paying customers", f"{int(latest['customers']):,}"),
        ("logo churn (month)", "–" if churn != churn else f"{churn:.1%}"),
    ]


def _figure_html(spec: ChartSpec, figure: go.Figure) -> str:
    figure.update_layout(template=TEMPLATE)
    body = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{spec.slug}", config=PLOTLY_CONFIG)
    if spec.min_width:
        return f'<div class="scroll"><div style="min-width: {spec.min_width}px">{body}</div></div>'
    return body


def _section(spec: ChartSpec, body: str) -> str:
    return (
        f'<section id="{spec.slug}" data-mart="{spec.mart}">\n'
        f"<h2>{html.escape(spec.title)}</h2>\n"
        f'<p class="how">{html.escape(spec.how_to_read)} <span class="source">Source: '
        f"<code>marts.{spec.mart}</code></span></p>\n{body}\n</section>"
    )


def render_sections(marts: MartReader, result: ReportResult) -> list[str]:
    sections = []
    for spec in CHARTS:
        try:
            body = _figure_html(spec, spec.draw(marts))
            result.charts_drawn += 1
        except NoData as reason:
            result.missing.append(f"{spec.title}: {reason}")
            body = f'<div class="no-data">no data: {html.escape(str(reason))}</div>'
        except Exception as error:  # one broken chart must not cost the others (nor the build)
            result.missing.append(f"{spec.title}: could not be drawn ({type(error).__name__}: {error})")
            body = (
                f'<div class="no-data">could not draw this chart from {spec.mart}: '
                f"{html.escape(type(error).__name__)}: {html.escape(str(error))}</div>"
            )
        sections.append(_section(spec, body))
    return sections


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Journey map — {title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2b33;
       background: #f6f8f9; }}
header {{ background: #264653; color: white; padding: 24px 32px; }}
header h1 {{ margin: 0 0 4px; font-size: 26px; }}
header p {{ margin: 0; opacity: 0.85; }}
.kpis {{ display: flex; flex-wrap: wrap; gap: 12px; padding: 16px 32px 0; }}
.kpi {{ background: white; border-radius: 6px; padding: 10px 16px; box-shadow: 0 1px 2px #0002; }}
.kpi b {{ display: block; font-size: 20px; }}
.kpi span {{ font-size: 12px; color: #5b6b73; }}
nav {{ padding: 12px 32px 0; font-size: 14px; }}
nav a {{ margin-right: 14px; color: #2a6f97; }}
main {{ padding: 8px 32px 32px; }}
section {{ background: white; border-radius: 6px; margin: 16px 0; padding: 12px 20px;
          box-shadow: 0 1px 2px #0002; }}
section h2 {{ margin: 6px 0; font-size: 19px; }}
.how {{ margin: 0 0 8px; color: #42535b; font-size: 14px; }}
.source {{ color: #7a8a92; }}
.no-data {{ padding: 32px; text-align: center; color: #8a5a00; background: #fff7e6;
           border: 1px dashed #e0b060; border-radius: 6px; }}
footer {{ padding: 0 32px 24px; font-size: 12px; color: #7a8a92; }}
.scroll {{ overflow-x: auto; }}
@media (max-width: 600px) {{
  header, .kpis, nav, main, footer {{ padding-left: 12px; padding-right: 12px; }}
  section {{ padding: 8px 10px; }}
}}
</style>
<script type="text/javascript">{plotly_js}</script>
</head>
<body>
<header><h1>Customer journey map</h1><p>{subtitle}</p></header>
<div class="kpis">{kpis}</div>
<nav>{nav}</nav>
<main>
{sections}
</main>
<footer>Drawn by Journey Warehouse from {source}, {generated}. Amounts in {currency}. Charts: Plotly,
embedded — this file needs no network.</footer>
</body>
</html>
"""


def source_label(marts: MartReader, source: Path) -> str:
    """The source as the footer names it: the file name and publication id, never a local path (the
    page is mailed around; a folder name can say more than it should)."""
    publication_id = marts.publication[0]
    return f"{source.name}, publication {publication_id}" if publication_id else source.name


def render_page(marts: MartReader, source: Path, result: ReportResult) -> str:
    sections = render_sections(marts, result)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    kpis = "".join(
        f'<div class="kpi"><b>{html.escape(value)}</b><span>{html.escape(label)}</span></div>'
        for label, value in _headline(marts)
    )
    nav = "".join(f'<a href="#{spec.slug}">{html.escape(spec.title)}</a>' for spec in CHARTS)
    drawn = f"{result.charts_drawn} of {len(CHARTS)} charts drawn"
    return PAGE.format(
        title=html.escape(source.name),
        subtitle=html.escape(f"From the marts in {source.name} · {drawn}"),
        kpis=kpis,
        nav=nav,
        sections="\n".join(sections),
        source=html.escape(source_label(marts, source)),
        currency=html.escape(marts.currency),
        generated=generated,
        plotly_js=get_plotlyjs(),
    )


def write_report(source: Path, out: Path) -> ReportResult:
    """Draw every chart from the marts in ``source`` (a DuckDB file) into the HTML file ``out``."""
    source, out = Path(source), Path(out)
    result = ReportResult(path=out)
    with open_marts(source) as marts:
        page = render_page(marts, source, result)
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_text(page, encoding="utf-8")
    temporary.chmod(access_modes()[0])  # owner-only unless JOURNEY_FILE_ACCESS says otherwise
    os.replace(temporary, out)
    return result
