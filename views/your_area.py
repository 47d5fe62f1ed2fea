"""Your area: type a postcode, see your neighbourhood and how it compares, in plain English."""

import streamlit as st

from insight import explain
from insight.errors import PostcodeError
from ui import loaders, render, state

place = loaders.place()
st.title("Your area")

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

try:
    found = loaders.locate(place.id, postcode)
except PostcodeError as error:
    st.error(str(error))
    st.stop()

area = place.areas.iloc[found.area_index]
lad = place.groupings.get(place.default_grouping)
where = explain.escape_markdown(str(area["name"]))
st.subheader(f"{found.postcode} is in {where}")
if lad is not None:
    st.markdown(f"{lad.title}: **{explain.escape_markdown(str(area[lad.name_column]))}**")
if found.nearest_only:
    st.caption(
        "This postcode is just outside our simplified area boundaries, so we used the nearest area."
    )

for indicator in place.indicators.values():
    value = area[indicator.id]
    st.markdown(
        f"**{explain.escape_markdown(indicator.title)}: {explain.fmt_value(value, indicator)}**"
    )
    group_mean = place.areas.loc[
        place.areas[lad.code_column] == area[lad.code_column], indicator.id
    ].mean()
    overall = place.areas[indicator.id].mean()
    st.markdown(
        "- "
        + explain.comparison_sentence(
            indicator, value, group_mean, f"the average area in {area[lad.name_column]}"
        )
        + "\n- "
        + explain.comparison_sentence(
            indicator, value, overall, f"the average area in {place.benchmark_name}"
        )
    )

st.subheader("On the map")
scope = (lad.id, lad.code_column, (area[lad.code_column],))
area_map = loaders.area_map(
    place.id,
    next(iter(place.indicators)),
    "quantiles",
    scope,
    lad.id,
    tuple(place.service_types),
    found.area_code,
)
st.pydeck_chart(
    area_map.deck, height=420, alt=f"Map of {area[lad.name_column]} with your area outlined."
)
render.service_key(place, tuple(place.service_types))
