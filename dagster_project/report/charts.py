"""One function per chart of the journey map. Each reads its mart and returns a Plotly figure, or
raises ``NoData`` saying which mart (or column) is missing, so the page says so plainly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dagster_project.report.data import MartReader, NoData

# The lifecycle ladder (marts.md), then the statuses beside it; unknown stages sort after these.
STAGE_ORDER = [
    "visitor",
    "subscriber",
    "lead",
    "marketing_qualified_lead",
    "sales_qualified_lead",
    "opportunity",
    "customer",
    "onboarded",
    "adopted",
    "retained",
    "expanded",
    "advocate",
    "churned",
    "reactivated",
]
TOUCHPOINT_ORDER = [
    "website",
    "pricing_page",
    "trial",
    "demo",
    "sales_deal",
    "onboarding",
    "knowledge_base",
    "support_ticket",
    "email",
    "renewal",
    "cancellation",
    "nps_survey",
]
PATH_COLOURS = {
    "referral": "#2a9d8f",
    "free_trial": "#e9c46a",
    "demo": "#f4a261",
    "sales_led": "#e76f51",
    "self_serve": "#264653",
    "unknown": "#9e9e9e",
}
TEMPLATE = "plotly_white"
AT_RISK_LIMIT = 100


@dataclass(frozen=True)
class ChartSpec:
    slug: str
    title: str
    mart: str
    how_to_read: str
    draw: Callable[[MartReader], go.Figure]


def _stage_rank(stage: object) -> tuple[int, str]:
    text = str(stage)
    return (STAGE_ORDER.index(text) if text in STAGE_ORDER else len(STAGE_ORDER), text)


def _label(value: object) -> str:
    return str(value).replace("_", " ")


def _month_axis(months: pd.Series) -> dict:
    """A date axis labelled by month, padded each side (so a single month reads well too)."""
    first, last = pd.to_datetime(months.min()), pd.to_datetime(months.max())
    span = (last.year - first.year) * 12 + last.month - first.month + 1
    step = next(step for limit, step in ((18, 1), (48, 3), (96, 6), (10**6, 12)) if span <= limit)
    return {
        "type": "date",
        "tickformat": "%b %Y",
        "dtick": f"M{step}",
        "range": [first - pd.Timedelta(days=20), last + pd.Timedelta(days=20)],
    }


MONTH_BAR_WIDTH_MS = 24 * 24 * 60 * 60 * 1000  # bars on a month axis are 24 days wide


def _require_rows(frame: pd.DataFrame, mart: str) -> pd.DataFrame:
    if frame.empty:
        raise NoData(f"{mart} has no rows")
    return frame


def funnel_by_path(marts: MartReader) -> go.Figure:
    mart = "mart_lifecycle_funnel"
    marts.require(mart, ["segment", "journey_path", "stage", "accounts_reached"])
    frame = _require_rows(
        marts.frame(
            f"""
            select coalesce(journey_path, 'unknown') as journey_path, stage,
                   sum(accounts_reached)::double as accounts
            from {marts.table(mart)}
            where segment = 'all' and coalesce(journey_path, 'unknown') <> 'all'
            group by all
            """
        ),
        mart,
    )
    stages = sorted(frame["stage"].unique(), key=_stage_rank)
    figure = go.Figure()
    for path in sorted(frame["journey_path"].unique()):
        by_stage = frame[frame["journey_path"] == path].set_index("stage")["accounts"]
        figure.add_trace(
            go.Funnel(
                name=_label(path),
                y=[_label(stage) for stage in stages],
                x=[float(by_stage.get(stage, 0)) for stage in stages],
                textinfo="value",
                hovertemplate="%{y}: %{x:,.0f} accounts (%{percentInitial:.0%} of the path's first rung, "
                "%{percentPrevious:.0%} of the previous)<extra>" + _label(path) + "</extra>",
                marker={"color": PATH_COLOURS.get(path)},
            )
        )
    figure.update_layout(funnelmode="stack", legend_title_text="journey path", height=620)
    return figure


def stage_transitions_sankey(marts: MartReader) -> go.Figure:
    mart = "mart_stage_transitions"
    marts.require(mart)
    source = marts.first_column(mart, ["from_stage", "stage_from", "source_stage"])
    target = marts.first_column(mart, ["to_stage", "stage_to", "target_stage"])
    count = marts.first_column(mart, ["transitions", "accounts", "account_count", "transition_count"])
    frame = _require_rows(
        marts.frame(
            f"""
            select {source} as from_stage, {target} as to_stage, sum({count})::double as flow
            from {marts.table(mart)}
            where {source} is not null and {target} is not null and {source} <> {target}
            group by all
            having sum({count}) > 0
            """
        ),
        mart,
    )
    # the ladder left to right ("start" first); a move down the ladder (CRM dates out of order) would
    # loop back across the whole chart, so it is counted in the title instead of drawn
    order = ["start", *STAGE_ORDER]
    rank = {stage: order.index(stage) if stage in order else len(order) for stage in order}
    backward = frame["from_stage"].map(lambda stage: rank.get(stage, len(order))) > frame["to_stage"].map(
        lambda stage: rank.get(stage, len(order))
    )
    backward &= ~frame["from_stage"].isin(["churned", "reactivated"])
    drawn = frame[~backward]
    _require_rows(drawn, mart)
    nodes = sorted(
        set(drawn["from_stage"]) | set(drawn["to_stage"]), key=lambda stage: (rank.get(stage, len(order)), str(stage))
    )
    index = {stage: position for position, stage in enumerate(nodes)}
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": [_label(stage) for stage in nodes], "pad": 14, "thickness": 16},
            link={
                "source": [index[stage] for stage in drawn["from_stage"]],
                "target": [index[stage] for stage in drawn["to_stage"]],
                "value": drawn["flow"].tolist(),
            },
        )
    )
    moved_back = int(frame.loc[backward, "flow"].sum())
    if moved_back:
        figure.update_layout(
            title_text=f"{moved_back:,} move(s) back down the ladder are not drawn", title_font_size=13
        )
    figure.update_layout(height=560)
    return figure


def _all_rows_filter(marts: MartReader, mart: str) -> str:
    """The total rows of a mart split by segment and journey path: either a column per split, each
    `all` on the total (the spec's layout), or one `dimension` / `dimension_value` pair."""
    columns = marts.columns(mart)
    if "segment" in columns and "journey_path" in columns:
        return "segment = 'all' and journey_path = 'all'"
    if "dimension" in columns:
        return "dimension in ('all', 'overall')"
    raise NoData(f"{mart} has neither segment/journey_path nor dimension columns")


def cohort_retention_heatmap(marts: MartReader) -> go.Figure:
    mart = "mart_cohort_retention"
    measures = {
        "logo_retention": "logo retention",
        "net_revenue_retention": "net revenue retention",
        "gross_revenue_retention": "gross revenue retention",
    }
    marts.require(mart, ["cohort_month", "months_since_start", *measures])
    frame = _require_rows(
        marts.frame(
            f"""
            select cohort_month, months_since_start,
                   {", ".join(f"{measure}::double as {measure}" for measure in measures)}
            from {marts.table(mart)}
            where {_all_rows_filter(marts, mart)}
            order by cohort_month, months_since_start
            """
        ),
        mart,
    )
    frame["cohort"] = pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m")
    figure = go.Figure()
    for position, (measure, title) in enumerate(measures.items()):
        grid = frame.pivot_table(index="cohort", columns="months_since_start", values=measure)
        figure.add_trace(
            go.Heatmap(
                z=grid.to_numpy(),
                x=[int(column) for column in grid.columns],
                y=list(grid.index),
                zmin=0,
                zmax=1 if measure != "net_revenue_retention" else None,
                colorscale="Blues",
                colorbar={"title": {"text": title}, "tickformat": ".0%"},
                hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra>" + title + "</extra>",
                visible=position == 0,
                name=title,
            )
        )
    buttons = [
        {
            "label": title,
            "method": "update",
            "args": [{"visible": [other == measure for other in measures]}],
        }
        for measure, title in measures.items()
    ]
    figure.update_layout(
        updatemenus=[{"buttons": buttons, "direction": "right", "x": 0, "y": 1.12, "xanchor": "left"}],
        xaxis_title="months since start",
        yaxis_title="cohort (first paid month)",
        yaxis_autorange="reversed",
        height=max(420, 18 * frame["cohort"].nunique() + 160),
    )
    return figure


def mrr_bridge(marts: MartReader) -> go.Figure:
    mart = "mart_mrr_monthly"
    movements = {
        "new_mrr": ("new", "#2a9d8f", 1),
        "expansion_mrr": ("expansion", "#8ab17d", 1),
        "reactivation_mrr": ("reactivation", "#e9c46a", 1),
        "contraction_mrr": ("contraction", "#f4a261", -1),
        "churned_mrr": ("churned", "#e76f51", -1),
    }
    marts.require(mart, ["month", "ending_mrr", *movements])
    frame = _require_rows(
        marts.frame(
            f"""
            select month, ending_mrr::double as ending_mrr,
                   {", ".join(f"{column}::double as {column}" for column in movements)}
            from {marts.table(mart)} order by month
            """
        ),
        mart,
    )
    figure = make_subplots(specs=[[{"secondary_y": True}]])
    for column, (name, colour, sign) in movements.items():
        figure.add_trace(
            go.Bar(
                x=frame["month"],
                y=sign * frame[column],
                name=name,
                marker_color=colour,
                width=MONTH_BAR_WIDTH_MS,
            ),
            secondary_y=False,
        )
    figure.add_trace(
        go.Scatter(
            x=frame["month"],
            y=frame["ending_mrr"],
            name="ending MRR",
            mode="lines",
            line={"color": "#264653", "width": 2},
        ),
        secondary_y=True,
    )
    figure.update_layout(barmode="relative", height=480, legend_orientation="h", legend_y=-0.15)
    figure.update_xaxes(**_month_axis(frame["month"]))
    figure.update_yaxes(title_text="MRR movement", secondary_y=False)
    figure.update_yaxes(title_text="ending MRR", secondary_y=True, rangemode="tozero", tickmode="auto", showgrid=False)
    return figure


def nps_by_month(marts: MartReader) -> go.Figure:
    mart = "mart_nps"
    marts.require(mart, ["month", "dimension", "nps", "responses", "nps_margin_of_error_95"])
    frame = _require_rows(
        marts.frame(
            f"""
            select month, nps::double as nps, responses::double as responses,
                   nps_margin_of_error_95::double as margin
            from {marts.table(mart)}
            where dimension = 'overall'
            order by month
            """
        ),
        mart,
    )
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.06)
    figure.add_trace(
        go.Scatter(
            x=frame["month"],
            y=frame["nps"],
            name="NPS (95% margin of error)",
            mode="lines+markers",
            line={"color": "#264653"},
            error_y={"type": "data", "array": frame["margin"].fillna(0).tolist(), "visible": True},
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=frame["month"],
            y=frame["responses"],
            name="responses",
            marker_color="#8fb8c9",
            width=MONTH_BAR_WIDTH_MS,
        ),
        row=2,
        col=1,
    )
    figure.update_layout(height=480, legend_orientation="h", legend_y=-0.12)
    figure.update_xaxes(**_month_axis(frame["month"]))
    figure.update_yaxes(title_text="NPS", range=[-105, 105], zeroline=True, row=1, col=1)
    figure.update_yaxes(title_text="responses", rangemode="tozero", row=2, col=1)
    return figure


def touchpoints_by_stage(marts: MartReader) -> go.Figure:
    mart = "mart_touchpoints_by_stage"
    marts.require(mart, ["touchpoint", "interactions"])
    stage = marts.first_column(mart, ["lifecycle_stage", "stage"])
    frame = _require_rows(
        marts.frame(
            f"""
            select coalesce({stage}, 'unknown') as stage, touchpoint,
                   sum(interactions)::double as interactions
            from {marts.table(mart)}
            group by all
            """
        ),
        mart,
    )
    stages = sorted(frame["stage"].unique(), key=_stage_rank)
    touchpoints = sorted(
        frame["touchpoint"].unique(),
        key=lambda point: (TOUCHPOINT_ORDER.index(point) if point in TOUCHPOINT_ORDER else 99, point),
    )
    grid = frame.pivot_table(index="stage", columns="touchpoint", values="interactions", fill_value=0)
    grid = grid.reindex(index=stages, columns=touchpoints, fill_value=0)
    shares = grid.div(grid.sum(axis=1).replace(0, float("nan")), axis=0)
    x_labels = [_label(point) for point in touchpoints]
    y_labels = [_label(name) for name in stages]
    figure = go.Figure(
        [
            go.Heatmap(
                z=shares.to_numpy(),
                x=x_labels,
                y=y_labels,
                colorscale="YlOrRd",
                zmin=0,
                colorbar={"title": {"text": "share of the stage"}, "tickformat": ".0%"},
                hovertemplate="%{y} × %{x}: %{z:.1%} of the stage's interactions<extra></extra>",
                name="share of the stage",
            ),
            go.Heatmap(
                z=grid.to_numpy(),
                x=x_labels,
                y=y_labels,
                colorscale="YlOrRd",
                colorbar={"title": {"text": "interactions"}},
                hovertemplate="%{y} × %{x}: %{z:,.0f} interactions<extra></extra>",
                name="interactions",
                visible=False,
            ),
        ]
    )
    buttons = [
        {"label": label, "method": "update", "args": [{"visible": [position == 0, position == 1]}]}
        for position, label in enumerate(["share of the stage's interactions", "interactions"])
    ]
    figure.update_layout(
        updatemenus=[{"buttons": buttons, "direction": "right", "x": 0, "y": 1.12, "xanchor": "left"}],
        xaxis_title="touchpoint",
        yaxis_title="lifecycle stage at the time",
        yaxis_autorange="reversed",
        height=max(460, 34 * len(stages) + 180),
    )
    return figure


def _flags_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(flag) for flag in value)
    if hasattr(value, "tolist"):
        return ", ".join(str(flag) for flag in value.tolist())
    return str(value)


def at_risk_accounts(marts: MartReader) -> go.Figure:
    mart = "mart_account_health"
    marts.require(mart, ["account_id", "month", "health_score", "health_band"])
    flags = "health.red_flags" if "red_flags" in marts.columns(mart) else "null"
    has_accounts = marts.has("dim_accounts")
    account_columns = {
        "account_name": "accounts.account_name",
        "segment": "accounts.segment",
        "current_mrr": "accounts.current_mrr::double",
    }
    selected = ",\n".join(
        f"{expression if has_accounts and name in marts.columns('dim_accounts') else 'null'} as {name}"
        for name, expression in account_columns.items()
    )
    join = f"left join {marts.table('dim_accounts')} as accounts using (account_id)" if has_accounts else ""
    frame = marts.frame(
        f"""
        with latest as (select max(month) as month from {marts.table(mart)})
        select health.account_id, {selected}, health.health_score::double as health_score,
               {flags} as red_flags, health.month
        from {marts.table(mart)} as health
        join latest using (month)
        {join}
        where health.health_band = 'at_risk'
        order by current_mrr desc nulls last, health_score, account_id
        limit {AT_RISK_LIMIT}
        """
    )
    headers = ["account", "name", "segment", "MRR", "health score", "red flags"]
    if frame.empty:
        cells = [["no account is at risk in the latest month"], [""], [""], [""], [""], [""]]
    else:
        cells = [
            frame["account_id"].tolist(),
            frame["account_name"].fillna("").tolist(),
            frame["segment"].fillna("").tolist(),
            [f"{value:,.2f}" if pd.notna(value) else "" for value in frame["current_mrr"]],
            [f"{value:.0f}" for value in frame["health_score"]],
            [_flags_text(value) for value in frame["red_flags"]],
        ]
    figure = go.Figure(
        go.Table(
            columnwidth=[1.2, 2, 1, 1, 0.8, 3],
            header={"values": headers, "fill_color": "#264653", "font": {"color": "white"}, "align": "left"},
            cells={"values": cells, "align": "left", "height": 40},
        )
    )
    figure.update_layout(height=min(900, 90 + 42 * max(len(frame), 1)), margin={"t": 10, "b": 10, "l": 10, "r": 10})
    return figure


CHARTS: list[ChartSpec] = [
    ChartSpec(
        "funnel",
        "Funnel by journey path",
        "mart_lifecycle_funnel",
        "Accounts reaching each lifecycle rung (all cohorts, all segments), stacked by journey path. "
        "Hover for the share of the path's first rung; click a path in the legend to hide it.",
        funnel_by_path,
    ),
    ChartSpec(
        "sankey",
        "Stage transitions",
        "mart_stage_transitions",
        "How accounts moved between stages (all months), including churn and reactivation. "
        "A band's width is the number of transitions; moves back down the ladder are counted, not drawn.",
        stage_transitions_sankey,
    ),
    ChartSpec(
        "cohorts",
        "Cohort retention",
        "mart_cohort_retention",
        "Each row is the cohort of accounts that first paid in that month; each column a month since. "
        "Switch between logo retention, net and gross revenue retention with the buttons.",
        cohort_retention_heatmap,
    ),
    ChartSpec(
        "mrr",
        "MRR bridge by month",
        "mart_mrr_monthly",
        "Bars are the month's movements (gains up, losses down); the line is ending MRR (right axis). "
        "Starting + new + expansion + reactivation − contraction − churned = ending.",
        mrr_bridge,
    ),
    ChartSpec(
        "nps",
        "NPS by month",
        "mart_nps",
        "Net Promoter Score per month (each respondent once, latest answer) with its 95% margin of error; "
        "below, the responses behind it. Wide whiskers mean too few answers to read much into.",
        nps_by_month,
    ),
    ChartSpec(
        "touchpoints",
        "Touchpoints × lifecycle stage",
        "mart_touchpoints_by_stage",
        "Where customers meet the company at each stage of their journey: each row is a stage (the "
        "account's stage at the time), each cell that touchpoint's share of the stage's interactions "
        "(all months); the buttons switch to raw counts.",
        touchpoints_by_stage,
    ),
    ChartSpec(
        "at_risk",
        "Accounts at risk",
        "mart_account_health",
        f"Accounts whose health band is at_risk in the latest month, largest MRR first (at most "
        f"{AT_RISK_LIMIT}), with the red flags that fired.",
        at_risk_accounts,
    ),
]
