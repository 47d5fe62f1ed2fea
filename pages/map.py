"""Map: a choropleth of any indicator, nationally or for one authority and its neighbours."""

import streamlit as st

from insight.explain import escape_markdown, map_average_sentence, services_on_map_title
from insight.present import maps
from insight.present.slides import SlideItem
from ui import loaders, presentation, render, state
from ui.frame import frame

place = frame("Map")
st.title("Map")

# Settings
with st.sidebar:
    st.header("Map settings")
    indicator_id = state.select_indicator(place)
    period = state.select_period(place.indicator(indicator_id))
    scope = state.select(
        "Show",
        "scope",
        ["national", "local", "group"],
        "national",
        format_func={
            "national": f"All of {place.benchmark_name}",
            "local": "One area and its neighbours",
            "group": "One area only",
        }.get,
        container=st.sidebar,
    )
    grouping_id = state.select_grouping(place, "Boundaries")
    scheme = state.select(
        "Colour bands",
        "scheme",
        list(maps.SCHEMES),
        "quantiles",
        format_func=maps.SCHEMES.get,
        container=st.sidebar,
    )
    service_types = tuple(
        s
        for s in place.service_types
        if st.sidebar.checkbox(
            escape_markdown(place.service_types[s].title), value=True, key=f"svc_{s}"
        )
    )

grouping = place.grouping(grouping_id)
selected = state.get("area", loaders.area_codes(place.id))
scope_key = None
if scope in ("local", "group"):
    names = place.group_names(grouping_id)
    group_code = state.select_group(
        place,
        grouping_id,
        escape_markdown(grouping.title),
        loaders.default_group(place, grouping_id),
        area=selected,  # new boundaries: the view stays on the group holding it
    )
    neighbours = loaders.touching(place.id, grouping_id, group_code) if scope == "local" else []
    scope_key = (grouping_id, (group_code, *neighbours))
    if neighbours:
        st.caption(
            f"{escape_markdown(names.get(group_code, group_code))} and the {len(neighbours)} "
            f"{escape_markdown(grouping.plural)} that share a border with it."
        )

indicator = place.indicator(indicator_id)
pinned = loaders.postcode_pin(place)

# Compute
area_map = loaders.area_map(
    place.id, indicator_id, scheme, scope_key, grouping_id, service_types, period
)
average = loaders.map_average(place.id, indicator_id, scope_key, period)

# Render
st.subheader(escape_markdown(indicator.title))
if period is not None:
    st.info(f"Figures for {escape_markdown(period)}, an earlier period of this indicator.")
if area_map.classification.note:
    st.info(area_map.classification.note)
map_col, legend_col = st.columns([4, 1])
with map_col:
    clicked = render.pickable_map(
        loaders.with_selected(area_map, place, selected, pin=pinned[0] if pinned else None),
        key=f"area_map_{selected}",  # a new key per selected area (render.pickable_map)
        alt=f"Map of {indicator.title.lower()}; the same figures are in the table below.",
    )
with legend_col:
    render.legend(area_map.classification, indicator)
    render.service_key(place, service_types, area_map.services, national=scope_key is None)
    render.place_names_note()
    if pinned:
        st.caption(escape_markdown(pinned[1]))

if clicked and clicked != selected:
    state.put("area", clicked)
    st.rerun()
if selected:
    render.area_card(loaders.place_at(place.id, indicator_id, period), selected)
    if period is None:  # slides show the latest period
        presentation.add_button(
            SlideItem("area", indicator_id, grouping_id, area_code=selected), key="present_area"
        )

# The table is sent to the browser only when asked for: nationally it is 35,000 rows.
if st.toggle("Show the same data as a table", key="map_table"):
    render.downloads(
        area_map.table, f"map-{indicator_id}-{scope}" + (f"-{period}" if period else ""), place
    )
    st.dataframe(
        area_map.table,
        hide_index=True,
        column_config={
            indicator.title: st.column_config.NumberColumn(format=f"%.{indicator.decimals}f"),
        },
    )
if not area_map.services.empty:
    with st.expander(escape_markdown(services_on_map_title(len(area_map.services)))):
        st.dataframe(area_map.services, hide_index=True)
st.caption(
    f"{escape_markdown(indicator.title)}: {escape_markdown(indicator.description)} Source: "
    f"{escape_markdown(indicator.source)}, {escape_markdown(period or indicator.period)}. "
    f"{escape_markdown(map_average_sentence(indicator, *average))}"
)
