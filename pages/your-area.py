"""Your area: type a postcode, see your neighbourhood and how it compares, in plain English."""

import streamlit as st

from insight.errors import DataError, PostcodeError
from insight.explain import (
    area_name_sentence,
    counts_note,
    deprivation_area_sentence,
    escape_markdown,
    lower_first,
    methods_for_resident,
    one_period_sentence,
    pin_label,
    pin_sentence,
    quantile_label,
)
from insight.present import maps, tables
from ui import loaders, render, state
from ui.frame import frame

place = frame("Your area")
st.title("Your area")

# Settings
# Its own URL parameter: a resident starts from the local authority, whatever boundary
# other pages were showing.
grouping_id = state.select(
    "Compare your area with its",
    "boundary",
    list(place.groupings),
    place.default_grouping,
    format_func=lambda g: lower_first(place.groupings[g].title),
    container=st.sidebar,
)
if "postcode_box" not in st.session_state:
    st.session_state["postcode_box"] = state.get("postcode") or ""
with st.form("postcode"):
    typed = st.text_input("Postcode", key="postcode_box", placeholder="for example NN1 1AA")
    submitted = st.form_submit_button("Show my area", type="primary")
if submitted:
    state.put("postcode", typed.strip() or None)
postcode = state.get("postcode")
if not postcode:
    st.info("Type a postcode to see what it is like where you live.")
    st.stop()

# Compute
try:
    found = loaders.locate(place.id, postcode)
except PostcodeError as error:
    st.error(escape_markdown(str(error)))
    st.stop()
grouping = place.grouping(grouping_id)
area = place.areas.iloc[found.area_index]
profile = loaders.area_profile(place.id, found.area_index, grouping.id)
state.put("area", found.area_code)

# Render
area_name = escape_markdown(str(area["name"]))
group_name = escape_markdown(str(area[grouping.name_column]))
st.subheader(f"{found.postcode} is in {area_name}, {group_name}")
if area_name_sentence(str(area["name"]), place.area_level):
    st.caption(escape_markdown(area_name_sentence(str(area["name"]), place.area_level)))
if found.nearest_only:
    st.caption(
        "This postcode is just outside our simplified area boundaries, so we used the nearest area."
    )

nation_note = loaders.nation_note(place.id, found.area_index, grouping.id)
if nation_note:
    st.info(escape_markdown(nation_note))

headline, boundary = tables.split_profile(place, profile)
if counts_note(place):
    st.caption(escape_markdown(counts_note(place)))
# Row by row, so that a phone (columns stacked) reads the cards in the same order: the
# modelled outcome just after the minutes it comes from.
cards = [row for _, row in headline.iterrows()]
width = min(3, max(1, len(cards)))
for start in range(0, len(cards), width):
    for column, row in zip(st.columns(width), cards[start : start + width], strict=False):
        with column:
            render.profile_card(place.indicators[row["indicator"]], row)
if not boundary.empty:
    st.subheader("Does a boundary cost you time?")
    st.markdown(
        "What if you could only use services inside your own area (council, NHS area or "
        "network) rather than the nearest one anywhere? These show how much further the journey "
        "would be. It is a what-if, not a rule in force: see *boundary penalty* in the "
        "glossary on the Data and methods page."
    )
    columns = st.columns(2)
    for i, (_, row) in enumerate(boundary.iterrows()):
        with columns[i % 2]:
            render.profile_card(place.indicators[row["indicator"]], row)

st.subheader("Over time")
with_series = [i.id for i in place.indicators.values() if i.has_series]
if with_series:
    trend_id = st.selectbox(
        "Indicator",
        with_series,
        format_func=lambda i: place.indicators[i].title,
        key="trend_indicator",
    )
    render.trend_block(
        loaders.area_trend(place.id, trend_id, found.area_code),
        found.area_code,
        str(area["name"]),
        key="area_trend",
    )
else:
    sampled = [i for i in place.indicators.values() if i.sampled]
    st.markdown(escape_markdown(one_period_sentence((sampled or [*place.indicators.values()])[0])))

if place.deprivation is not None:
    st.subheader("By deprivation")
    fifth = int(loaders.deprivation_quantiles(place.id).get(found.area_code, 0))
    if fifth:
        sentence = deprivation_area_sentence(quantile_label(fifth, 5), place.benchmark_name)
        st.markdown(escape_markdown(sentence))
    measured = [i.id for i in place.indicators.values() if i.role is None and i.within is None]
    unequal_id = st.selectbox(
        "Indicator",
        measured,
        format_func=lambda i: place.indicators[i].title,
        key="deprivation_indicator",
    )
    try:
        render.inequality_block(
            loaders.inequality_by_deprivation(
                place.id, unequal_id, grouping.id, str(area[grouping.code_column])
            ),
            "area_deprivation",
        )
    except DataError as error:
        st.info(escape_markdown(str(error)))

services = loaders.nearest_services(place.id, found.area_index)
if not services.empty:
    st.subheader("Your nearest services")
    st.dataframe(services, hide_index=True)

st.subheader("On the map")
home_group = area[grouping.code_column]
scope = (grouping.id, (home_group, *loaders.touching(place.id, grouping.id, home_group)))
indicator_id = place.featured_pair()[0]
area_map = loaders.area_map(
    place.id,
    indicator_id,
    "quantiles",
    scope,
    grouping.id,
    tuple(place.service_types),
)
pin = maps.Pin(found.easting, found.northing, pin_label(found.postcode), found.area_code)
left, right = st.columns([4, 1])
with left:
    st.pydeck_chart(
        loaders.with_selected(area_map, place, found.area_code, pin=pin),
        height=460,
        alt=(
            f"Map of {area[grouping.name_column]} and its neighbours with your area outlined "
            f"in black. {pin_sentence(found.postcode, str(area['name']))}"
        ),
    )
with right:
    render.legend(area_map.classification, place.indicators[indicator_id])
    render.service_key(place, tuple(place.service_types), area_map.services)
    render.place_names_note()
st.caption(
    f"{escape_markdown(pin_sentence(found.postcode, str(area['name'])))} Your area is outlined "
    f"in black. Colours: {escape_markdown(place.indicators[indicator_id].title.lower())}."
)

with st.expander("How we worked this out"):
    st.markdown(methods_for_resident(place, grouping))
    st.dataframe(tables.profile_table(profile, grouping), hide_index=True)
