"""Small render helpers shared by pages: legends, area cards, map selections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from insight.analysis import profile
from insight.analysis.benchmark import GroupComparison
from insight.analysis.findings import Finding
from insight.analysis.profile import NEAR_BOUNDARY_KM
from insight.analysis.trend import TrendResult
from insight.data import policy
from insight.explain import (
    FINDING_FAMILIES,
    FUNNEL_WORDS,
    GAP_CHANGE_WORDS,
    HOW_SURE_TITLE,
    INTERVAL_COLUMNS,
    PLACE_NAMES_NOTE,
    SERVICE_HOVER_HINT,
    about_the_same_rule,
    average_label,
    benchmark_sentence,
    counts_sentence,
    escape_markdown,
    fmt_number,
    fmt_value,
    how_sure_sentences,
    inequality_sentence,
    lower_first,
    one_period_sentence,
    service_key_line,
    services_on_map_title,
    significant,
    titled_with_unit,
    trend_method_sentence,
    trend_sentence,
    weights_sentence,
)
from insight.explain import (
    search_hint as explain_search_hint,
)
from insight.model import Indicator, Place
from insight.present import charts, files, maps, tables
from insight.present.slides import SlideItem
from ui import loaders, presentation


def legend(
    classification: maps.Classification, indicator: Indicator, unit_line: bool = True
) -> None:
    """A legend: swatch, band label and number of areas for each class (text, not colour alone)."""
    heading = (
        f"<p><strong>{html_text(indicator.title)}</strong><br/><small>{html_text(indicator.unit)}</small></p>"
        if unit_line
        else ""
    )
    rows = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>'
        f"{html_text(label)} <small>({count:,} areas)</small></li>"
        for colour, label, count in classification.legend()
    )
    st.markdown(
        f"""<div class="legend" role="group" aria-label="Map legend">
{heading}
<ul style="list-style:none;padding-left:0">{rows}</ul></div>
<style>.legend .swatch{{display:inline-block;width:1.1em;height:1.1em;margin-right:.4em;
vertical-align:middle;border:1px solid #3D3D3D}}</style>""",
        unsafe_allow_html=True,
    )


#: Characters written as numeric references inside HTML blocks, so that neither HTML nor
#: Markdown (should the block ever end early) can read them as markup.
_HTML_SPECIALS = {c: f"&#{ord(c)};" for c in "&<>\"'[]()!:.@*_~`$|#\\{}"}


def html_text(text: object) -> str:
    """Text for inside an HTML block: every character HTML or Markdown could read as markup
    written as a character reference, on one line (a blank line would end the block).

    Examples
    --------
    >>> html_text("<b>King's  " + chr(10) * 2 + "[x](http://evil.example)</b>")
    '&#60;b&#62;King&#39;s &#91;x&#93;&#40;http&#58;//evil&#46;example&#41;&#60;/b&#62;'
    """
    return "".join(_HTML_SPECIALS.get(c, c) for c in " ".join(str(text).split()))


def service_key(
    place: Place,
    service_types: tuple[str, ...],
    drawn: pd.DataFrame | None = None,
    national: bool = False,
) -> None:
    """Key to the service markers: colour, letters (or size, nationally) and type in words.

    ``service_types`` are the types in the order the map was given them (their colours);
    ``drawn`` is the map's table of services (:attr:`insight.present.maps.AreaMap.services`):
    only the types on the map are listed, with how many are drawn.
    """
    lines = []
    for i, type_id in enumerate(service_types):
        service_type = place.service_types[type_id]
        if drawn is None or drawn.empty or "Type" not in drawn:
            count = int(place.services[type_id].sum()) if drawn is None else 0
        else:
            count = int((drawn["Type"] == service_type.singular).sum())
        if count == 0:
            continue
        size = ("small", "larger", "largest")[min(i, 2)] if national else ""
        text = service_key_line(maps.service_letter(type_id), service_type.title, count, size)
        lines.append(
            f'<span style="color:{maps.service_colour(i)};font-size:1.3em" aria-hidden="true">'
            f"●</span> {html_text(text)}"
        )
    if not lines:
        return
    st.markdown("<br/>".join(lines), unsafe_allow_html=True)
    st.caption(escape_markdown(SERVICE_HOVER_HINT))


def place_names_note() -> None:
    """What the place names written on a map are (:data:`insight.explain.PLACE_NAMES_NOTE`)."""
    st.caption(escape_markdown(PLACE_NAMES_NOTE))


def picked_area(event) -> str | None:
    """Code of the area clicked on a map made by :func:`insight.present.maps.area_map`, if any."""
    try:
        objects = event.selection["objects"].get("areas") or []
    except (AttributeError, KeyError, TypeError):
        return None
    if not objects:
        return None
    properties = objects[0].get("properties", objects[0])
    return properties.get("code")


def area_card(place: Place, code: str) -> None:
    """A card with every indicator and grouping of one area."""
    area = place.areas.loc[place.areas["code"] == code].iloc[0]
    with st.container(border=True):
        st.markdown(f"#### {escape_markdown(area['name'])} ({escape_markdown(code)})")
        st.caption(
            " · ".join(
                f"{escape_markdown(g.title)}: {escape_markdown(area[g.name_column])}"
                for g in place.groupings.values()
            )
        )
        row = int(np.flatnonzero((place.areas["code"] == code).to_numpy())[0])
        st.markdown(
            "\n".join(
                f"- {escape_markdown(title)}: **{escape_markdown(value)}**"
                for title, value in profile.area_values(place, row)
            )
        )


def benchmark_summary(shown, indicator: Indicator, result) -> str:
    """Markdown sentences: the benchmark, then each shown group against it (names escaped)."""
    lines = [
        "- "
        + escape_markdown(f"{result.benchmark_name}: {fmt_value(result.benchmark, indicator)}.")
    ] + [
        "- "
        + escape_markdown(
            benchmark_sentence(
                indicator,
                row["name"],
                row["value"],
                row["lower"],
                row["upper"],
                row["rating"],
                result.benchmark_name,
                result.benchmark,
            )
        )
        for _, row in shown.iterrows()
    ]
    return "\n".join(lines)


def benchmark_table(result: GroupComparison, shown: pd.DataFrame) -> pd.DataFrame:
    """The benchmarking table as shown and downloaded: the groups shown, then the benchmark,
    with units in the column names and the funnel status in words."""
    indicator = result.indicator
    columns = {
        "code": "Code",
        "name": "Name",
        "areas": "Areas",
        "value": titled_with_unit(indicator.title, indicator.unit),
        "lower": INTERVAL_COLUMNS[indicator.sampled][0],
        "upper": INTERVAL_COLUMNS[indicator.sampled][1],
        "rating": f"Compared with {result.benchmark_name}",
        "funnel": "Funnel plot",
        "count": "Count",
        "denominator": "Denominator",
    }
    table = shown[[c for c in columns if c in shown.columns]].copy()
    words = FUNNEL_WORDS if indicator.sampled else {"n/a": "Does not apply (not sampled)"}
    table["funnel"] = table["funnel"].map(words)
    benchmark_row = {"code": "", "name": result.benchmark_name, "value": result.benchmark}
    table = pd.concat([table, pd.DataFrame([benchmark_row])], ignore_index=True)
    # Whole numbers stay whole (the benchmark row has no count of areas: blank, not 227.0)
    for whole in ("areas", "count", "denominator"):
        if whole in table:
            table[whole] = pd.to_numeric(table[whole], errors="coerce").round().astype("Int64")
    # One rounding rule: the decimals every sentence and card shows
    return table.rename(columns=columns).round(indicator.decimals)


def spine_table(spine):
    """The spine chart's numbers as a table (its text alternative)."""
    return (
        spine[["title", "value", "benchmark_name", "benchmark", "rating", "worst", "best"]]
        .rename(
            columns={
                "title": "Indicator",
                "value": "Value",
                "benchmark_name": "Benchmark of",
                "benchmark": "Benchmark",
                "rating": "Compared with benchmark",
                "worst": "Worst (or lowest) group",
                "best": "Best (or highest) group",
            }
        )
        .round(2)
    )


def inequality_block(result, key: str) -> None:
    """An indicator by deprivation fifth (:class:`insight.analysis.inequality.Inequality`):
    its sentence, chart, table and method."""
    st.markdown(escape_markdown(inequality_sentence(result)))
    st.plotly_chart(charts.inequality_chart(result), width="stretch", key=key)
    table = result.table[["label", "areas", "value", "lower", "upper"]].rename(
        columns={"label": "Deprivation", "areas": "Areas", "value": "Value",
                 "lower": "Lower", "upper": "Upper"}
    )  # fmt: skip
    st.dataframe(table.round(result.indicator.decimals + 1), hide_index=True)
    st.caption(f"How this is worked out: {escape_markdown(result.method)}")


def neighbours_table(found) -> pd.DataFrame:
    """A group's similar groups (:class:`insight.analysis.similar.Neighbours`) as a table."""
    return (
        found.table[["rank", "name", "code", "distance", "shared"]]
        .rename(
            columns={
                "rank": "Rank",
                "name": "Name",
                "code": "Code",
                "distance": "Distance (standardised; 0 = the same)",
                "shared": "Indicators compared",
            }
        )
        .round(2)
    )


def downloads(table, stem: str, place: Place) -> None:
    """Download buttons (CSV, Excel) for exactly the table shown.

    The files are built only when a button is pressed: an Excel file of every area in
    England and Wales takes seconds, which no rerun should pay for.
    """

    left, right = st.columns(2)
    left.download_button(
        "Download CSV",
        lambda: files.to_csv(table),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"csv_{stem}",
        on_click="ignore",
    )
    right.download_button(
        "Download Excel",
        lambda: files.to_xlsx(table, place=place),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"xlsx_{stem}",
        on_click="ignore",
    )


def split_profile(place: Place, profile):
    """Split a profile into headline indicators and boundary-penalty ones.

    A count with nothing to divide it by (admissions a year from one small area) is not a
    resident's headline: it says nothing of better or worse, or of how many people live
    there. It stays in the table of figures (:func:`counts_note` says where).
    """
    indicators = [place.indicators[i] for i in profile["indicator"]]
    within = pd.Series([bool(i.within) for i in indicators], index=profile.index)
    rated = pd.Series([i.rated for i in indicators], index=profile.index)
    return profile[~within & rated], profile[within]


def counts_note(place: Place) -> str:
    """Where Your area's counts are, when they are not cards ("" when there are none)."""
    counts = [i.title for i in place.indicators.values() if not i.rated and not i.within]
    return counts_sentence(counts)


def profile_card(indicator: Indicator, row) -> None:
    """One indicator of an area: the value large, then the comparisons as sentences.

    The title is written out in full (a metric label would be cut short), and an area with
    no value says why instead of four "not enough data" sentences.
    """
    with st.container(border=True):
        title = str(row.get("title") or indicator.title)  # in the nation's words (Wales)
        st.markdown(f"**{escape_markdown(title)}**")
        if row.get("value_text"):
            # e.g. "No thrombectomy centre in your stroke network": words wrap, where a
            # metric would cut them short on a phone
            st.markdown(
                f'<p style="font-size:1.5rem;line-height:1.3;margin:0.25rem 0 0.5rem 0">'
                f"{html_text(row['value_text'])}</p>",
                unsafe_allow_html=True,
            )
        else:
            scale = indicator.unit.strip().startswith("(")  # "(England = 100)": too long
            if (
                indicator.unit.lower() in indicator.title.lower() and not indicator.percentage
            ) or scale:
                value = fmt_number(row["value"], indicator.decimals)
            else:
                value = fmt_value(row["value"], indicator)
            st.metric(escape_markdown(title), value, label_visibility="collapsed")
            if scale:  # said under the figure, where a phone would cut it off beside it
                st.caption(escape_markdown(indicator.unit.strip()))
        if pd.isna(row["value"]) and not row.get("value_text"):
            st.caption(escape_markdown(indicator.description))
            return
        if indicator.kind == "modelled" and not row.get("value_text"):
            # The estimate in words next to the minutes, and where its assumptions are.
            st.markdown(escape_markdown(row["headline"]))
        st.markdown("\n".join(f"- {escape_markdown(sentence)}" for sentence in row["sentences"]))
        if indicator.kind == "modelled":
            st.page_link(
                "pages/data.py",
                label="How this is modelled",
                help="The assumptions, on Data and methods",
                icon=":material/info:",
            )


def methods_for_resident(place: Place, grouping) -> str:
    """A short, jargon-free account of how the Your area figures were worked out."""
    sources = "; ".join(sorted({layer.source for layer in place.provenance}))
    return (
        f"Your postcode is placed in a small area (a {escape_markdown(place.area_level)}) using the ONS "
        "postcode directory. Travel times are road journeys from the middle of the area. "
        "*Neighbouring areas* are those that share a border with yours. "
        f"{escape_markdown(weights_sentence(place))} "
        "*Just across the boundary* means the nearest areas in the next "
        f"{escape_markdown(lower_first(grouping.title))} within {NEAR_BOUNDARY_KM:.0f} km of your "
        f"area. {about_the_same_rule(place.indicators.values())}\n\n"
        "The table shows the ranges behind the comparisons: for counts and rates, the 95% "
        "confidence interval of the "
        f"{escape_markdown(lower_first(grouping.title))}'s figure; for travel times, which are not "
        "samples, the range of its middle 80% of areas.\n\nSources: "
        f"{escape_markdown(sources)}."
    )


def profile_table(place: Place, profile, grouping):
    """The numbers behind an area profile, with the group's interval and rating."""
    table = profile[
        [
            "title",
            "value",
            "neighbours",
            "group",
            "group_lower",
            "group_upper",
            "group_rating",
            "overall",
            "overall_name",
            "across",
        ]
    ].copy()
    table.columns = [
        "Indicator",
        "This area",
        "Neighbouring areas",
        f"{grouping.title} average",
        "Lower (95% CI, or 10th centile of its areas)",
        "Upper (95% CI, or 90th centile of its areas)",
        f"{grouping.title} compared with the benchmark",
        "Benchmark",
        "Benchmark is",
        "Just across the boundary",
    ]
    return table.round(1)


def filter_findings(findings, kinds: list[str], search: str):
    """Findings of the chosen kinds whose groups' names or sentence contain ``search`` (any
    case)."""
    shown = findings[findings["kind"].isin(kinds)]
    if search.strip():
        needle = search.strip().lower()
        text = (
            shown["group_name"].fillna("")
            + " "
            + shown["other_name"].fillna("")
            + " "
            + shown["sentence"].fillna("")
        )
        shown = shown[text.str.lower().str.contains(needle, regex=False)]
    return shown


def search_hint(place: Place, search: str, grouping_id: str) -> str:
    """Where a word no finding mentions does appear: the other boundaries whose groups are
    named with it (:func:`insight.explain.search_hint`)."""
    needle = search.strip().lower()
    matches = {}
    for grouping in place.groupings.values():
        if grouping.id == grouping_id:
            continue
        names = sorted({str(n) for n in place.group_names(grouping.id) if needle in str(n).lower()})
        if names:
            matches[grouping.plural or grouping.title] = names
    return explain_search_hint(search.strip(), matches)


def search_findings(items, search: str, where) -> list[tuple[int, Finding]]:
    """``(position, finding)`` of the findings whose groups' names, or indicator and
    boundary (``where(finding)``), contain ``search`` (any case); all when it is blank."""
    needle = search.strip().lower()
    return [
        (position, finding)
        for position, finding in enumerate(items, start=1)
        if not needle
        or needle in f"{finding.group_name} {finding.other_name} {where(finding)}".lower()
    ]


def finding_labels(findings) -> dict[int, str]:
    """Short label of each finding for a picker, by rank: rank, kind and the groups involved."""
    return {
        int(rank): f"{int(rank)}. {label}: {group}" + (f" / {other}" if other else "")
        for rank, label, group, other in zip(
            findings["rank"],
            findings["label"],
            findings["group_name"],
            findings["other_name"],
            strict=True,
        )
    }


def finding_card(finding: Finding, indicator: Indicator) -> None:
    """A finding: its family, its sentence large, then the effect with its interval and who
    is affected."""
    st.markdown(f"**{FINDING_FAMILIES[finding.tested]}** · {escape_markdown(finding.label)}")
    st.markdown(f"#### {escape_markdown(finding.sentence)}")
    cells = st.columns(3)
    limits = f"{fmt_number(finding.lower)} to {fmt_number(finding.upper)}"
    interval = f"{finding.interval[:1].upper()}{finding.interval[1:]}: {limits}"
    cells[0].metric(
        "Difference", f"{fmt_number(finding.effect)} {indicator.unit}".strip(), help=interval
    )
    cells[1].metric("Areas", f"{finding.areas:,}")
    cells[2].metric("Affected a year", fmt_number(finding.affected, 0, missing="not known"))
    st.caption(f"{interval}.")
    sure = how_sure_sentences(indicator, finding.step, finding.placebo_steps, finding.ring_steps)
    if finding.kind == "border" and sure:
        st.markdown(f"##### {HOW_SURE_TITLE}")
        st.markdown(escape_markdown(" ".join(sure)))


def finding_block(place: Place, finding: Finding, period: str | None = None) -> None:
    """A finding's card, its map with legend and keys, its areas and services, and the
    button that adds it to the presentation (both views of the Postcode lottery page)."""
    indicator = place.indicator(finding.indicator)
    with st.container(border=True):
        finding_card(finding, indicator)
        finding_map = loaders.finding_map(
            place.id, finding.indicator, finding.grouping, finding.rank, period
        )
        left, right = st.columns([3, 1])
        with left:
            st.pydeck_chart(
                finding_map.deck,
                height=420,
                key="finding_map",
                alt=f"Map of the areas in this finding ({finding.group_name}) and the areas "
                "around them; the lists of areas and services are below.",
            )
        with right:
            legend(finding_map.classification, indicator, unit_line=False)
            service_key(place, tuple(place.service_types), finding_map.services)
            place_names_note()
        with st.expander("The areas in this finding"):
            st.dataframe(finding_map.table, hide_index=True)
        if not finding_map.services.empty:
            with st.expander(escape_markdown(services_on_map_title(len(finding_map.services)))):
                st.dataframe(finding_map.services, hide_index=True)
        if period is not None:
            st.caption("Slides show the latest period: choose it to add this finding to them.")
        else:
            presentation.add_button(
                SlideItem.of_finding(finding),
                key=f"present_{finding.indicator}_{finding.grouping}_{finding.rank}",
            )


def finding_list(items, heading: str, limit: int, where=None) -> None:
    """A numbered list of findings' sentences under ``heading``; ``where(finding)``, when
    given, names the indicator and boundary of each (lists across everything)."""
    if not items:
        return
    st.subheader(heading)
    for position, finding in items[:limit]:
        prefix = f"*{escape_markdown(where(finding))}:* " if where else ""
        st.markdown(f"{position}. {prefix}{escape_markdown(finding.sentence)}")
    if len(items) > limit:
        st.caption(f"and {len(items) - limit:,} more in the table below.")


def findings_table(findings, indicator: Indicator | None):
    """The findings as shown and downloaded, with units and interval columns named
    (``indicator`` None: findings of many indicators, each in its own units)."""
    across = [c for c in ("position", "indicator", "grouping") if c in findings.columns]
    unit = indicator.unit if indicator is not None else "in the indicator's units"
    decimals = indicator.decimals if indicator is not None else 1
    table = findings[
        [
            "rank",
            *across,
            "label",
            "group_code",
            "group_name",
            "other_code",
            "other_name",
            "effect",
            "lower",
            "upper",
            "interval",
            "areas",
            "affected",
            "opportunity",
            "tested",
            "q_value",
            "store_q_value",
            "then_period",
            "then_effect",
            "change",
            "sentence",
        ]
    ].copy()
    table["tested"] = table["tested"].map(FINDING_FAMILIES)
    # One rounding rule: differences at the decimals the sentences show, counts whole, and
    # q values to two significant figures (a q of 0.00004 is not "0.0")
    for column in ("effect", "lower", "upper", "then_effect"):
        table[column] = pd.to_numeric(table[column], errors="coerce").round(decimals)
    table["areas"] = pd.to_numeric(table["areas"], errors="coerce").round().astype("Int64")
    table["affected"] = pd.to_numeric(table["affected"], errors="coerce").round(1)
    for column in ("q_value", "store_q_value"):
        table[column] = [significant(q, 2) for q in pd.to_numeric(table[column], errors="coerce")]
    if (table["change"] == "").all():  # no earlier period compared: no empty columns
        table = table.drop(columns=["then_period", "then_effect", "change"])
    else:
        table["change"] = table["change"].map(GAP_CHANGE_WORDS).fillna("")
    return table.rename(
        columns={
            "then_period": "Compared with period",
            "then_effect": titled_with_unit("Difference then", unit),
            "change": "Change since then",
            "rank": "Rank within its indicator and boundary" if across else "Rank",
            "label": "Kind",
            "group_code": "Code",
            "group_name": "Name",
            "other_code": "Compared with (code)",
            "other_name": "Compared with",
            "effect": titled_with_unit("Difference", unit),
            "indicator": "Indicator",
            "grouping": "Boundary",
            "position": "Position",
            "lower": "Lower limit",
            "upper": "Upper limit",
            "interval": "Limits are",
            "areas": "Areas",
            "affected": "Affected a year",
            "opportunity": "People a year if the gap closed (see Finding)",
            "tested": "Tested or what-if",
            "q_value": "q value (false discovery rate)",
            "store_q_value": "q value across every indicator and boundary",
            "sentence": "Finding",
        }
    )


def provenance_sentence(upload: dict, viewer) -> str:
    """Who added a place and when, in a sentence (plain text).

    The officer's email is shown to officers who may write here; visitors read "an officer".
    """
    by = str(upload.get("by") or "")
    at = str(upload.get("at") or "")
    when = at[:10] if at else "an unknown date"
    how = "uploaded" if upload.get("how") == "upload" else "built on the command line"
    if by == policy.THIS_COMPUTER or not by:
        who = "on the computer running this dashboard"
    elif viewer.can_write:
        who = f"by {by}"
    else:
        who = "by an officer"
    files = upload.get("files") or []
    return f"This place was {how} {who} on {when}, from {len(files)} files."


def upload_files(upload: dict) -> pd.DataFrame:
    """The files a place was built from: name, size and SHA-256 (to check a copy against)."""
    return pd.DataFrame(
        [
            {
                "File": str(f.get("name", "")),
                "Size (bytes)": int(f.get("bytes", 0)),
                "SHA-256": str(f.get("sha256", "")),
            }
            for f in upload.get("files") or []
        ],
        columns=["File", "Size (bytes)", "SHA-256"],
    )


def trend_block(result: TrendResult, code: str, where: str, key: str) -> None:
    """One area's (or group's) series against its benchmark: the chart, its recent trend in
    a sentence, and the same figures as a table; one sentence when there is one period."""
    indicator = result.indicator
    if not result.has_series:
        st.markdown(escape_markdown(one_period_sentence(indicator)))
        return
    rows = result.area_series(code)
    st.plotly_chart(
        charts.series_chart(rows, indicator, where, result.benchmark_name),
        width="stretch",
        key=key,
    )
    area_trend = result.trend_of(code)
    st.markdown(escape_markdown(trend_sentence(area_trend, indicator, where, result.periods)))
    if result.benchmark_trend is not None:
        average = average_label(result.benchmark_name)
        st.caption(
            escape_markdown(
                trend_sentence(result.benchmark_trend, indicator, average, result.periods)
            )
        )
    with st.expander("The same figures as a table"):
        st.dataframe(
            tables.series_table(rows, indicator, where, result.benchmark_name), hide_index=True
        )
    method = trend_method_sentence(indicator, None if area_trend is None else area_trend.method)
    if method:
        st.caption(escape_markdown(method))
