"""Chart style and figure builders (pure functions returning plotly figures).

One palette for the whole product: the UK Government Analysis Function colours from
``afcharts``. Meaning is never carried by colour alone: ratings are also written as
words, and bars carry their values as text.
"""

from __future__ import annotations

import html

import afcharts.pio_template  # noqa: F401  (registers the "afcharts" plotly template)
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from afcharts.af_colours import get_af_colours

from insight.analysis.benchmark import GroupComparison
from insight.explain import FUNNEL_WORDS, INTERVAL_WORDS, fmt_number, fmt_value
from insight.model import Indicator

CATEGORICAL: list[str] = get_af_colours("categorical")
SEQUENTIAL: list[str] = get_af_colours("sequential", number_of_colours=5)[::-1]
FOCUS: list[str] = get_af_colours("focus")
TEMPLATE = "afcharts"

#: One colour per role in a finding, on every surface (the page's map, the slide, the PDF
#: and PowerPoint, the bars): the finding's side orange (the side worse off, or higher, as
#: orange is "worse" in :data:`RATING_COLOURS`), the side it is compared with dark blue, the
#: rest of the two groups grey, and the areas around them very light grey.
FINDING_ROLE_COLOURS: dict[str, str] = {
    "finding": CATEGORICAL[3],
    "other": CATEGORICAL[0],
    "context": "#D6D6D6",
    "around": "#F2F2F2",
}

#: Display order of benchmark ratings.
RATING_ORDER = ["Better", "Higher", "Similar", "Lower", "Worse", "Not compared"]
#: Colours of benchmark ratings: dark blue for better, orange for worse, grey otherwise.
# One meaning per colour on every chart: blue is better and orange worse (judgements, only
# for indicators that can be rated); pink is higher (or longer) and purple lower (or
# shorter), which judge nothing; grey is similar or not compared.
RATING_COLOURS = {
    "Better": CATEGORICAL[0],
    "Worse": CATEGORICAL[3],
    "Higher": CATEGORICAL[2],
    "Longer": CATEGORICAL[2],
    "Lower": CATEGORICAL[5],
    "Shorter": CATEGORICAL[5],
    "Similar": "#BFBFBF",
    "About the same": "#BFBFBF",
    "Not compared": "#F2F2F2",
}


def sequential(n: int) -> list[str]:
    """``n`` colours (1 to 5) of the Analysis Function sequential palette, light to dark.

    Examples
    --------
    >>> sequential(3)
    ['#ADD1F1', '#2073BC', '#092135']
    """
    if not 1 <= n <= 5:
        raise ValueError(f"sequential palette has 1 to 5 colours, not {n}")
    if n == 1:
        return [SEQUENTIAL[2]]
    picks = {2: [1, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4]}[n]
    return [SEQUENTIAL[i] for i in picks]


def _t(text: object) -> str:
    """Text from data for a Plotly label: Plotly reads a subset of HTML (including links),
    so ``<``, ``>``, ``&`` and quotes are escaped; it shows the text once, as given."""
    return html.escape(str(text))


#: Characters per line of a chart title: it fits a phone's width (about 360 pixels).
TITLE_CHARACTERS = 40
#: Room under a chart for a legend written across it (a legend beside a chart takes half
#: of a phone's width; across, its entries wrap onto as many lines as they need).
LEGEND_BELOW_PIXELS = 130


def _legend_below(fig: go.Figure) -> go.Figure:
    """The legend in rows under the chart, from its left edge."""
    layout_margin = fig.layout.margin
    fig.update_layout(
        legend={
            "orientation": "h", "x": 0, "xanchor": "left", "xref": "container",
            "y": 0, "yanchor": "bottom", "yref": "container",
        },
        margin={"b": LEGEND_BELOW_PIXELS + (layout_margin.b or 40)},
        height=(fig.layout.height or 400) + LEGEND_BELOW_PIXELS,
    )  # fmt: skip
    return fig


def _base_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    """The house layout; ``title`` (plain text, escaped here) wrapped to fit a phone, at
    the left edge of the whole chart, not of its plot area."""
    wrapped = _wrap(title, TITLE_CHARACTERS)
    lines = wrapped.count("<br>") + 1
    fig.update_layout(
        template=TEMPLATE,
        title={"text": wrapped, "x": 0, "xanchor": "left", "xref": "container", "pad": {"l": 10}},
        height=height + 20 * (lines - 1),
        margin={"l": 10, "r": 20, "t": 60 + 20 * lines, "b": 40},
        font={"size": 14},
    )
    return fig


def ci_bars(
    table: pd.DataFrame, indicator: Indicator, benchmark: float, benchmark_name: str
) -> go.Figure:
    """Horizontal bars of group values with 95% intervals, the benchmark as a line.

    Bars are coloured by rating *and* the value and rating are written beside each name.

    Parameters
    ----------
    table : pandas.DataFrame
        ``name``, ``value``, ``lower``, ``upper``, ``rating`` (from
        :func:`insight.analysis.benchmark.benchmark_groups`).
    indicator : Indicator
        For titles and units.
    benchmark : float
        The whole place's value.
    benchmark_name : str
        Its name for the legend.
    """
    data = table.dropna(subset=["value"]).iloc[::-1]
    colours = [RATING_COLOURS.get(r, FOCUS[1]) for r in data["rating"]]
    # Value and rating go in the axis label, where no bar or whisker can hide or clip them.
    # Name above value and rating: two short lines leave the bars room on a phone.
    labels = [
        f"{_t(name)}<br><b>{fmt_number(v, indicator.decimals)}</b> · {r}"
        for name, v, r in zip(data["name"], data["value"], data["rating"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=data["value"],
            y=labels,
            orientation="h",
            marker={"color": colours, "line": {"color": "#3D3D3D", "width": 0.5}},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": data["upper"] - data["value"],
                "arrayminus": data["value"] - data["lower"],
                "color": "#000000",
                "thickness": 2,
                "width": 6,
            },
            hovertemplate="%{y}<extra></extra>",
            name=_t(indicator.title),
        )
    )
    fig.add_vline(x=benchmark, line={"color": "#000000", "dash": "dash", "width": 2})
    top = float(np.nanmax(np.r_[data["upper"].to_numpy(dtype=float), benchmark]))
    fig.add_annotation(
        x=benchmark,
        y=1,
        yref="paper",
        yanchor="bottom",
        yshift=4,
        # Written away from the nearer edge, so a narrow chart does not cut it.
        xanchor="right" if benchmark > top * 1.08 / 2 else "left",
        text=f"{_t(benchmark_name)}: {_t(fmt_value(benchmark, indicator))}",
        showarrow=False,
        font={"size": 13},
    )
    fig.update_xaxes(title=_t(indicator.unit), range=[0, top * 1.08])
    fig.update_yaxes(title=None, automargin=True)
    return _base_layout(
        fig,
        f"{indicator.title} (lines: {INTERVAL_WORDS[indicator.sampled]})",
        120 + 44 * len(data),
    )


#: How each funnel status is drawn and named: shape, colour and legend words.
FUNNEL_STYLES: dict[str, tuple[str, str, str]] = {
    "high": ("triangle-up", CATEGORICAL[2], FUNNEL_WORDS["high"]),
    "within": ("circle-open", "#3D3D3D", FUNNEL_WORDS["within"]),
    "low": ("triangle-down", CATEGORICAL[5], FUNNEL_WORDS["low"]),
    "n/a": ("x", "#BFBFBF", FUNNEL_WORDS["n/a"]),
}


#: The colour of the group an officer chose on a funnel plot (no status uses it).
CHOSEN_COLOUR = "#0B0C0C"
#: Most outliers named on a funnel plot (the others are named on hover).
FUNNEL_LABELS = 8


def _funnel_labels(points: pd.DataFrame, limits: pd.DataFrame, chosen: set[str]) -> set[str]:
    """Codes of the groups a funnel plot names: the chosen ones, then the outliers furthest
    outside the limits, skipping any whose label would fall on one already placed (about a
    tenth of the width apart, or a twentieth of the height)."""
    frame = (
        [points["value"], limits.filter(like="_99_8").stack()]
        if not limits.empty
        else [points["value"]]
    )
    values = pd.concat(frame)
    height = float(values.max() - values.min()) or 1.0
    width = float(points["size"].max() - points["size"].min()) or 1.0
    order = points.assign(out=points["z"].abs().fillna(0)).sort_values("out", ascending=False)
    outliers = order[order["funnel"].isin(["high", "low"])]
    placed: list[tuple[float, float]] = []
    named: set[str] = set()
    for _, row in pd.concat([points[points["code"].isin(chosen)], outliers]).iterrows():
        if row["code"] in named:
            continue
        x, y = float(row["size"]) / width, float(row["value"]) / height
        near = any(abs(x - px) < 0.1 and abs(y - py) < 0.05 for px, py in placed)
        if row["code"] in chosen or (not near and len(named) < FUNNEL_LABELS + len(chosen)):
            placed.append((x, y))
            named.add(row["code"])
    return named


def funnel_plot(result: GroupComparison, highlight: list[str] | None = None) -> go.Figure:
    """Funnel plot: groups against size with 95% and 99.8% limits around the benchmark.

    Drawn from :func:`insight.analysis.benchmark.compare_groups` as it is: the points
    outside the 99.8% limits are exactly the groups whose ``funnel`` status is high or low
    (the limits are widened for over-dispersion when the analysis did so). Status is shown
    by marker shape and colour, and named in words in the legend. Only the outliers and the
    ``highlight`` groups (the one being looked at) are named on the chart; every group is
    named on hover.

    Parameters
    ----------
    result : GroupComparison
        Every group's value, size and funnel status, and the limits.
    highlight : list of str, optional
        Codes of groups to name on the chart whatever their status, drawn larger.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    indicator = result.indicator
    fig = go.Figure()
    limits = result.limits
    styles = {"95": ("dash", "95% limits"), "99_8": ("dot", "99.8% limits")}
    for level, (dash, name) in styles.items():
        for side in ("lower", "upper"):
            fig.add_trace(
                go.Scatter(
                    x=limits["size"],
                    y=limits[f"{side}_{level}"],
                    mode="lines",
                    name=name,
                    line={"color": "#3D3D3D", "dash": dash, "width": 1.5},
                    showlegend=side == "lower",
                    hoverinfo="skip",
                )
            )
    fig.add_hline(y=result.benchmark, line={"color": "#000000", "width": 1.5})
    marked = set(highlight or [])
    points = result.table.dropna(subset=["value", "size"])
    named = _funnel_labels(points, limits, marked)
    for status, (symbol, colour, words) in FUNNEL_STYLES.items():
        chosen = points[(points["funnel"] == status) & ~points["code"].isin(marked)]
        if chosen.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=chosen["size"],
                y=chosen["value"],
                mode="markers+text",
                name=words,
                marker={"symbol": symbol, "size": 11, "color": colour, "line": {"width": 1.5}},
                text=[
                    _t(n) if c in named else ""
                    for n, c in zip(chosen["name"], chosen["code"], strict=True)
                ],
                textposition="top center",
                textfont={"color": CHOSEN_COLOUR, "size": 13},
                customdata=[_t(n) for n in chosen["name"]],
                hovertemplate="%{customdata}: %{y:.1f}<extra>" + words + "</extra>",
            )
        )
    # The group looked at: set apart in shape, colour and size, drawn over the others, its
    # name in bold, and its status said in the legend.
    for _, row in points[points["code"].isin(marked)].iterrows():
        words = FUNNEL_STYLES.get(row["funnel"], ("", "", FUNNEL_WORDS.get(row["funnel"], "")))[2]
        fig.add_trace(
            go.Scatter(
                x=[row["size"]],
                y=[row["value"]],
                mode="markers+text",
                name=f"{_t(row['name'])} (chosen): {words.lower()}",
                marker={
                    "symbol": "star",
                    "size": 20,
                    "color": CHOSEN_COLOUR,
                    "line": {"width": 1.5, "color": "#FFFFFF"},
                },
                text=[f"<b>{_t(row['name'])}</b>"],
                textposition="top center",
                textfont={"color": CHOSEN_COLOUR, "size": 14},
                customdata=[_t(row["name"])],
                hovertemplate="%{customdata}: %{y:.1f}<extra>" + words + "</extra>",
            )
        )
    fig.update_xaxes(title=_t(result.size_title))
    fig.update_yaxes(title=_t(indicator.unit))
    return _legend_below(_base_layout(fig, f"Funnel plot: {indicator.title}", 480))


#: Marker of each benchmark rating on the spine chart (shape as well as colour).
SPINE_SYMBOLS = {
    "Better": "circle",
    "Worse": "diamond",
    "Similar": "square",
    "About the same": "square",
    "Higher": "triangle-up",
    "Longer": "triangle-up",
    "Lower": "triangle-down",
    "Shorter": "triangle-down",
    "Not compared": "x",
}


def _wrap(text: str, width: int = 28) -> str:
    """Plotly label text broken into lines of about ``width`` characters (escaped once)."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    # A space before each break: a screen reader or a copy of the text joins the lines of
    # an SVG title without one ("(including" + "severe obesity)" read "includingsevere").
    return " <br>".join(_t(line) for line in lines)


def spine_chart(spine: pd.DataFrame, group_name: str, benchmark_name: str) -> go.Figure:
    """Fingertips-style spine chart: the group on each indicator against all groups.

    Each row is one indicator, its title in full (wrapped) with the group's value and
    rating beneath. The bar spans the worst to the best of all groups (the lowest to the
    highest for an indicator that is neither better high nor low), darker between the
    quartiles; the centre line is each indicator's benchmark; the marker is the group, its
    shape and colour by rating, and the legend shows each rating's own marker.

    Parameters
    ----------
    spine : pandas.DataFrame
        From :func:`insight.analysis.benchmark.spine`.
    group_name : str
        The group shown.
    benchmark_name : str
        What the centre line is, when every indicator has the same benchmark; per
        indicator it is in the ``benchmark_name`` column when present.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    data = spine.iloc[::-1]
    fig = go.Figure()
    y = [
        # the value and rating at the labels' own size, in bold: a <sub> line was ~7 px
        f"{_wrap(title)} <br><b>{_t(fmt_number(value, 1))} · {_t(rating)}</b>"
        for title, value, rating in zip(data["title"], data["value"], data["rating"], strict=True)
    ]
    fig.add_trace(
        go.Bar(
            y=y,
            x=data["pos_best"] - data["pos_worst"],
            base=data["pos_worst"],
            orientation="h",
            marker={"color": "#D6D6D6"},
            name="Range of all groups",
            hoverinfo="skip",
            width=0.55,
        )
    )
    fig.add_trace(
        go.Bar(
            y=y,
            x=data["pos_q75"] - data["pos_q25"],
            base=data["pos_q25"],
            orientation="h",
            marker={"color": SEQUENTIAL[1]},
            name="Middle half of groups",
            hoverinfo="skip",
            width=0.55,
        )
    )
    benchmarks = (
        data["benchmark_name"]
        if "benchmark_name" in data
        else pd.Series(benchmark_name, data.index)
    )
    fig.add_trace(
        go.Scatter(
            y=y,
            x=data["pos_value"],
            mode="markers",
            showlegend=False,
            marker={
                "size": 16,
                "symbol": [SPINE_SYMBOLS.get(r, "circle") for r in data["rating"]],
                "color": [RATING_COLOURS.get(r, "#3D3D3D") for r in data["rating"]],
                "line": {"color": "#000", "width": 1.5},
            },
            customdata=np.stack(
                [
                    [_t(r) for r in data["rating"]],
                    [fmt_number(v, 1) for v in data["value"]],
                    [fmt_number(v, 1) for v in data["benchmark"]],
                    [_t(b) for b in benchmarks],
                ],
                axis=1,
            ),
            hovertemplate=(
                f"{_t(group_name)}: %{{customdata[1]}} (%{{customdata[3]}} "
                "%{customdata[2]}): %{customdata[0]}<extra></extra>"
            ),
        )
    )
    # One legend entry per rating shown, drawn with that rating's own marker.
    for rating in [r for r in SPINE_SYMBOLS if r in set(data["rating"])]:
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"{_t(group_name)}: {rating.lower()}",
                marker={
                    "size": 14,
                    "symbol": SPINE_SYMBOLS[rating],
                    "color": RATING_COLOURS.get(rating, "#3D3D3D"),
                    "line": {"color": "#000", "width": 1.5},
                },
            )
        )
    fig.add_vline(x=0.5, line={"color": "#000000", "width": 2})
    names = sorted(set(benchmarks))
    centre = _t(names[0]) if len(names) == 1 else "Benchmark"
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(
        range=[-0.02, 1.02],
        tickvals=[0, 0.5, 1],
        ticktext=["Worst or lowest", centre, "Best or highest"],
        fixedrange=True,
    )
    fig.update_yaxes(automargin=True, fixedrange=True)
    return _legend_below(
        _base_layout(fig, f"{group_name} on every indicator", max(360, 200 + 90 * len(data)))
    )


def _plain(text: object) -> str:
    """:func:`_t`, and an ``=`` written as its character reference, so that no text from a
    file (a ward or period named with HTML) even looks like an attribute in the figure."""
    return _t(text).replace("=", "&#61;")


def series_chart(
    rows: pd.DataFrame, indicator: Indicator, where: str, benchmark_name: str
) -> go.Figure:
    """An area's (or group's) series against its benchmark, period by period.

    The area is a solid line with round markers and its 95% intervals as whiskers (where
    the indicator has sampling variation); the benchmark a dashed line with square
    markers: lines, shapes and the legend's words tell them apart, not colour alone.

    Parameters
    ----------
    rows : pandas.DataFrame
        ``period``, ``value``, ``lower``, ``upper``, ``benchmark`` (from
        :meth:`insight.analysis.trend.TrendResult.area_series`), oldest first.
    indicator : Indicator
        For titles, units and decimals.
    where : str
        The area's (or group's) name.
    benchmark_name : str
        What the benchmark is called.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from insight.model import Indicator
    >>> rows = pd.DataFrame({"period": ["2021", "2022"], "value": [10.0, 12.0],
    ...     "lower": [9.0, 11.0], "upper": [11.0, 13.0], "benchmark": [11.0, 11.5]})
    >>> fig = series_chart(rows, Indicator("o", "Obesity", "%", "proportion"), "Ward 1", "All")
    >>> [trace.name for trace in fig.data]
    ['Ward 1', 'All average']
    """
    periods = [_plain(p) for p in rows["period"]]
    whiskers = None
    if indicator.sampled and rows["upper"].notna().any():
        whiskers = {
            "type": "data",
            "symmetric": False,
            "array": (rows["upper"] - rows["value"]).to_numpy(dtype=float),
            "arrayminus": (rows["value"] - rows["lower"]).to_numpy(dtype=float),
            "color": CATEGORICAL[0],
            "thickness": 1.5,
            "width": 5,
        }
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=rows["value"],
            mode="lines+markers",
            name=_plain(where),
            line={"color": CATEGORICAL[0], "width": 3},
            marker={"symbol": "circle", "size": 10},
            error_y=whiskers,
            hovertemplate=f"%{{x}}: %{{y:.{indicator.decimals}f}}<extra>{_plain(where)}</extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=periods,
            y=rows["benchmark"],
            mode="lines+markers",
            name=_plain(f"{benchmark_name} average"),
            line={"color": CATEGORICAL[1], "width": 2, "dash": "dash"},
            marker={"symbol": "square", "size": 8},
            hovertemplate=f"%{{x}}: %{{y:.{indicator.decimals}f}}<extra>average</extra>",
        )
    )
    fig.update_xaxes(title=None, type="category")
    fig.update_yaxes(title=_t(indicator.unit or indicator.title), rangemode="tozero")
    fig.update_layout(legend={"orientation": "h", "y": -0.2})
    return _base_layout(fig, f"{indicator.title} over time", 380)


def inequality_chart(result) -> go.Figure:
    """An indicator by deprivation quantile, most deprived on the left, with intervals.

    Parameters
    ----------
    result : insight.analysis.inequality.Inequality
        From :func:`insight.analysis.inequality.inequality`; drawn as it is.

    Returns
    -------
    plotly.graph_objects.Figure
        Vertical bars with the value written on each; the title names the place and what
        the lines are.
    """
    table = result.table
    indicator = result.indicator
    fig = go.Figure(
        go.Bar(
            # One word a line: five labels fit a phone's width without turning.
            x=[_t(label).replace(" ", "<br>") for label in table["label"]],
            y=table["value"],
            marker={"color": sequential(5)[::-1][: len(table)] if len(table) <= 5 else FOCUS[1],
                    "line": {"color": "#3D3D3D", "width": 0.5}},
            text=[fmt_number(v, indicator.decimals) for v in table["value"]],
            textposition="inside",
            insidetextanchor="start",
            error_y={
                "type": "data",
                "symmetric": False,
                "array": table["upper"] - table["value"],
                "arrayminus": table["value"] - table["lower"],
                "color": "#000000",
                "thickness": 2,
                "width": 6,
            },
            hovertemplate="%{x}: %{y}<extra></extra>",
            name=_t(indicator.title),
        )
    )  # fmt: skip
    fig.update_yaxes(title=_t(indicator.unit), rangemode="tozero")
    fig.update_xaxes(title=None, automargin=True, tickangle=0)
    return _base_layout(
        fig,
        f"{indicator.title} by deprivation, {result.where} "
        f"(lines: {INTERVAL_WORDS[indicator.sampled]})",
        380,
    )
