"""Small render helpers shared by pages: legends, area cards, map selections."""

from __future__ import annotations

import html

import streamlit as st

from insight import charts, maps
from insight.explain import fmt_value
from insight.place import Indicator, Place


def legend(classification: maps.Classification, indicator: Indicator) -> None:
    """A legend: swatch, band label and number of areas for each class (text, not colour alone)."""
    rows = "".join(
        f'<li><span class="swatch" style="background:{colour}"></span>'
        f"{html.escape(label)} <small>({count:,} areas)</small></li>"
        for colour, label, count in classification.legend()
    )
    st.markdown(
        f"""<div class="legend" role="list" aria-label="Map legend">
<p><strong>{html.escape(indicator.title)}</strong><br/><small>{html.escape(indicator.unit)}</small></p>
<ul style="list-style:none;padding-left:0">{rows}</ul></div>
<style>.legend .swatch{{display:inline-block;width:1.1em;height:1.1em;margin-right:.4em;
vertical-align:middle;border:1px solid #3D3D3D}}</style>""",
        unsafe_allow_html=True,
    )


def service_key(place: Place, service_types: tuple[str, ...]) -> None:
    """Key to the service symbols: letter, colour and name of each type shown."""
    for i, type_id in enumerate(service_types):
        service_type = place.service_types[type_id]
        colour = charts.CATEGORICAL[(i + 1) % len(charts.CATEGORICAL)]
        count = int(place.services[type_id].sum())
        st.markdown(
            f'<span style="color:{colour};font-size:1.3em">●</span> '
            f"**{html.escape(type_id.upper())}** {html.escape(service_type.title)} ({count})",
            unsafe_allow_html=True,
        )


def picked_area(event) -> str | None:
    """Code of the area clicked on a map made by :func:`insight.maps.area_map`, if any."""
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
        st.markdown(f"#### {html.escape(str(area['name']))} ({html.escape(code)})")
        groups = " · ".join(
            f"{g.title}: {html.escape(str(area[g.name_column]))}" for g in place.groupings.values()
        )
        st.caption(groups)
        for indicator in place.indicators.values():
            st.markdown(
                f"- {html.escape(indicator.title)}: **{fmt_value(area[indicator.id], indicator)}**"
            )
