"""Small render helpers shared by pages: legends, area cards, map selections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from insight.analysis import profile
from insight.analysis.findings import Finding
from insight.analysis.trend import TrendResult
from insight.explain import (
    FINDING_FAMILIES,
    HOW_SURE_TITLE,
    PLACE_NAMES_NOTE,
    SERVICE_HOVER_HINT,
    average_label,
    escape_markdown,
    fmt_number,
    fmt_value,
    how_sure_sentences,
    html_text,
    inequality_sentence,
    one_period_sentence,
    service_key_line,
    services_on_map_title,
    trend_method_sentence,
    trend_sentence,
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


def pickable_map(deck, *, key: str, alt: str, height: int = 560) -> str | None:
    """A map made by :func:`insight.present.maps.area_map` on which one area can be clicked;
    returns the code of the area clicked, if any.

    A new ``key`` per selected area: Streamlit dims everything it did not select, which
    would make the colours disagree with the legend (the map's own outline marks the choice).
    """
    event = st.pydeck_chart(
        deck,
        on_select="rerun",
        selection_mode="single-object",
        key=key,
        height=height,
        alt=alt,
    )
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
    method = trend_method_sentence(None if area_trend is None else area_trend.method)
    if method:
        st.caption(escape_markdown(method))


def bullet_list(items: list[str], intro: str | None = None) -> None:
    """Plain-text ``items`` as a Markdown list, after a paragraph ``intro`` (each escaped)."""
    listed = "\n".join(f"- {escape_markdown(item)}" for item in items)
    st.markdown(f"{escape_markdown(intro)}\n\n{listed}" if intro else listed)


def method_text(lines: list[str]) -> None:
    """Plain-text paragraphs and list items (lines starting ``- ``) as Markdown, escaped, as
    :func:`insight.explain.modelled_outcome_method` gives them."""
    st.markdown(
        "\n".join(
            f"- {escape_markdown(line[2:])}"
            if line.startswith("- ")
            else f"\n{escape_markdown(line)}\n"
            for line in lines
        )
    )


def glossary(terms: tuple[tuple[str, str], ...]) -> None:
    """Each term in bold, then what it means (:data:`insight.explain.GLOSSARY`), as a list."""
    st.markdown(
        "\n".join(
            f"- **{escape_markdown(term)}**: {escape_markdown(meaning)}" for term, meaning in terms
        )
    )
