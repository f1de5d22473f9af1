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
# Below this many answers a month's NPS is drawn grey, without its margin, and left off the line: with
# one to three answers it swings between −100 and 100 (see dbt/DECISIONLOG.md, "Serving").
NPS_MIN_RESPONSES = 10
THIN_SAMPLE_COLOUR = "#b8c2c7"
AT_RISK_LIMIT = 100


@dataclass(frozen=True)
class ChartSpec:
    slug: str
    title: str
    mart: str
    how_to_read: str
    draw: Callable[[MartReader], go.Figure]
    # narrower screens scroll the chart sideways rather than squeeze it (a phone's 390 pixels would
    # pile the Sankey's fifteen columns of labels on top of each other)
    min_width: int = 0


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


# Stage groups of the Sankey, each with its colour (explained in the chart's reading guide).
STAGE_GROUPS = {
    "before paying": ("#4a7fb5", ["start", *STAGE_ORDER[: STAGE_ORDER.index("customer")]]),
    "paying customer": ("#2a9d8f", STAGE_ORDER[STAGE_ORDER.index("customer") : STAGE_ORDER.index("churned")]),
    "churned": ("#e76f51", ["churned"]),
    "reactivated": ("#e9c46a", ["reactivated"]),
}
OTHER_STAGE_COLOUR = "#9e9e9e"
# Short node labels, so neighbouring columns' labels do not run into each other
STAGE_SHORT_LABELS = {"marketing_qualified_lead": "MQL", "sales_qualified_lead": "SQL"}


def stage_colour(stage: str) -> str:
    for colour, stages in STAGE_GROUPS.values():
        if stage in stages:
            return colour
    return OTHER_STAGE_COLOUR


def _translucent(colour: str, alpha: float = 0.35) -> str:
    red, green, blue = (int(colour[position : position + 2], 16) for position in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


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
    # one column per stage in ladder order, labels alternately high and low: no two labels meet
    last = max(len(nodes) - 1, 1)
    x = [0.01 + 0.98 * position / last for position in range(len(nodes))]
    y = [0.3 if position % 2 == 0 else 0.7 for position in range(len(nodes))]
    colours = [stage_colour(stage) for stage in nodes]
    arrivals = drawn.groupby("to_stage")["flow"].sum()
    departures = drawn.groupby("from_stage")["flow"].sum()
    figure = go.Figure(
        go.Sankey(
            arrangement="fixed",
            node={
                "label": [STAGE_SHORT_LABELS.get(stage, _label(stage)) for stage in nodes],
                "customdata": [
                    [_label(stage), float(arrivals.get(stage, 0)), float(departures.get(stage, 0))] for stage in nodes
                ],
                "hovertemplate": "%{customdata[0]}: %{customdata[1]:,.0f} moves in, "
                "%{customdata[2]:,.0f} moves on<extra></extra>",
                "x": x,
                "y": y,
                "color": colours,
                "pad": 18,
                "thickness": 14,
            },
            link={
                "source": [index[stage] for stage in drawn["from_stage"]],
                "target": [index[stage] for stage in drawn["to_stage"]],
                "value": drawn["flow"].tolist(),
                "color": [_translucent(stage_colour(stage)) for stage in drawn["from_stage"]],
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,.0f} moves<extra></extra>",
            },
            textfont={"size": 12},
        )
    )
    moved_back = int(frame.loc[backward, "flow"].sum())
    if moved_back:
        figure.update_layout(
            title_text=f"{moved_back:,} move(s) back down the ladder are not drawn", title_font_size=13
        )
    figure.update_layout(height=580, margin={"l": 20, "r": 20, "t": 70})
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
    size = "cohort_customers::double" if "cohort_customers" in marts.columns(mart) else "null::double"
    frame = _require_rows(
        marts.frame(
            f"""
            select cohort_month, months_since_start, {size} as cohort_customers,
                   {", ".join(f"{measure}::double as {measure}" for measure in measures)}
            from {marts.table(mart)}
            where {_all_rows_filter(marts, mart)}
            order by cohort_month, months_since_start
            """
        ),
        mart,
    )
    frame["cohort"] = pd.to_datetime(frame["cohort_month"]).dt.strftime("%Y-%m")
    labels = cohort_labels(frame)
    figure = go.Figure()
    for position, (measure, title) in enumerate(measures.items()):
        grid = frame.pivot_table(index="cohort", columns="months_since_start", values=measure)
        figure.add_trace(
            go.Heatmap(
                z=grid.to_numpy(),
                x=[int(column) for column in grid.columns],
                y=[labels[cohort] for cohort in grid.index],
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
        updatemenus=[
            {"buttons": buttons, "direction": "right", "x": 0, "y": 1.01, "xanchor": "left", "yanchor": "bottom"}
        ],
        margin={"t": 70},
        xaxis_title="months since start",
        # every cohort labelled (Plotly would thin the labels out to every few rows)
        yaxis={
            "title": {"text": "cohort · accounts"},
            "automargin": True,
            "autorange": "reversed",
            "tickmode": "array",
            "tickvals": list(labels.values()),
            "ticktext": list(labels.values()),
            "tickfont": {"size": 11},
        },
        height=max(420, 20 * frame["cohort"].nunique() + 160),
    )
    return figure


def cohort_labels(frame: pd.DataFrame) -> dict[str, str]:
    """Each cohort's row label: its month and how many accounts it started with ("2024-03 · 42")."""
    sizes = frame.groupby("cohort")["cohort_customers"].max()
    return {cohort: f"{cohort} · {int(size):,}" if pd.notna(size) else cohort for cohort, size in sorted(sizes.items())}


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
    currency = marts.currency
    for trace in figure.data:
        trace.hovertemplate = f"%{{x|%b %Y}}: %{{y:,.0f}} {currency}<extra>{trace.name}</extra>"
    figure.update_yaxes(title_text=f"MRR movement ({currency})", secondary_y=False)
    figure.update_yaxes(
        title_text=f"ending MRR ({currency})", secondary_y=True, rangemode="tozero", tickmode="auto", showgrid=False
    )
    return figure


def nps_error_bars(nps: pd.Series, margin: pd.Series) -> tuple[list[float], list[float]]:
    """(up, down) whiskers of the 95% margin, cut at the scale's ends (an NPS lies in −100…100)."""
    margin = margin.fillna(0)
    up = [max(0.0, min(m, 100 - value)) for value, m in zip(nps, margin, strict=True)]
    down = [max(0.0, min(m, value + 100)) for value, m in zip(nps, margin, strict=True)]
    return up, down


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
    enough = frame["responses"] >= NPS_MIN_RESPONSES
    thin = frame[~enough]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.72, 0.28], vertical_spacing=0.06)
    # the line breaks at a thin month rather than bridge it
    shown = frame["nps"].where(enough)
    up, down = nps_error_bars(shown.fillna(0), frame["margin"].where(enough))
    figure.add_trace(
        go.Scatter(
            x=frame["month"],
            y=[value if pd.notna(value) else None for value in shown],
            name="NPS (95% margin of error)",
            mode="lines+markers",
            line={"color": "#264653"},
            error_y={"type": "data", "symmetric": False, "array": up, "arrayminus": down, "visible": True},
            customdata=frame["responses"],
            hovertemplate="%{x|%b %Y}: NPS %{y:.0f} from %{customdata:,.0f} answers<extra></extra>",
            connectgaps=False,
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Scatter(
            x=thin["month"],
            y=thin["nps"],
            name=f"fewer than {NPS_MIN_RESPONSES} answers: not to be read",
            mode="markers",
            marker={"color": THIN_SAMPLE_COLOUR, "symbol": "circle-open", "size": 8},
            customdata=thin["responses"],
            hovertemplate="%{x|%b %Y}: NPS %{y:.0f} from only %{customdata:,.0f} answers<extra></extra>",
            visible=True if len(thin) else "legendonly",
        ),
        row=1,
        col=1,
    )
    figure.add_trace(
        go.Bar(
            x=frame["month"],
            y=frame["responses"],
            name="responses",
            marker_color=["#8fb8c9" if ok else THIN_SAMPLE_COLOUR for ok in enough],
            width=MONTH_BAR_WIDTH_MS,
            hovertemplate="%{x|%b %Y}: %{y:,.0f} answers<extra></extra>",
        ),
        row=2,
        col=1,
    )
    if len(thin):
        figure.update_layout(
            title_text=f"{len(thin)} of {len(frame)} months have fewer than {NPS_MIN_RESPONSES} answers: "
            "grey, without a margin, not joined to the line",
            title_font_size=13,
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
        updatemenus=[
            {"buttons": buttons, "direction": "right", "x": 0, "y": 1.01, "xanchor": "left", "yanchor": "bottom"}
        ],
        margin={"t": 70},
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
    headers = ["account", "name", "segment", f"MRR ({marts.currency})", "health score", "red flags"]
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
        "How accounts moved between lifecycle stages (all months), left to right along the ladder; "
        "'start' is an account's first record, MQL/SQL are marketing-/sales-qualified lead. A band's "
        "width is the number of moves and it takes the colour of the stage it leaves. Node colours: "
        "blue before the first payment, green a paying customer's stages, red churned, amber "
        "reactivated. Moves back down the ladder are counted, not drawn.",
        stage_transitions_sankey,
        min_width=960,
    ),
    ChartSpec(
        "cohorts",
        "Cohort retention",
        "mart_cohort_retention",
        "Each row is the cohort of accounts that first paid in that month, labelled with how many "
        "accounts it started with; each column a month since. Switch between logo retention, net and "
        "gross revenue retention with the buttons. A cohort of a few accounts moves in big steps.",
        cohort_retention_heatmap,
    ),
    ChartSpec(
        "mrr",
        "MRR bridge by month",
        "mart_mrr_monthly",
        "Bars are the month's movements (gains up, losses down); the line is ending MRR (right axis), "
        "in the reporting currency named on the axes. "
        "Starting + new + expansion + reactivation − contraction − churned = ending.",
        mrr_bridge,
    ),
    ChartSpec(
        "nps",
        "NPS by month",
        "mart_nps",
        "Net Promoter Score per month (each respondent once, latest answer) with its 95% margin of error; "
        "below, the responses behind it. Wide whiskers mean too few answers to read much into; months "
        f"with fewer than {NPS_MIN_RESPONSES} answers are grey, without a margin, and not joined to the line.",
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
