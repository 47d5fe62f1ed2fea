"""Home: what Place Insight is, a postcode box, and where to go next."""

import streamlit as st

from ui import loaders

place = loaders.place()

st.title("Place Insight")
st.markdown(
    f"""
**What people get can depend on which side of a boundary they live.** Place Insight shows how
health outcomes and access to services vary from one neighbourhood to the next across
**{place.title}**, and finds the *postcode lotteries*: places where a council, NHS or
network boundary makes a difference.
"""
)

with st.form("postcode"):
    postcode = st.text_input(
        "Your postcode",
        placeholder="for example NN1 1AA",
        help="Any case and spacing. Nothing you type leaves this computer.",
    )
    if st.form_submit_button("Show my area", type="primary"):
        st.switch_page("views/your_area.py", query_params={"place": place.id, "postcode": postcode})

st.subheader("Where to go next")
left, right = st.columns(2)
with left:
    st.page_link(
        "views/your_area.py",
        label="Your area: what it is like where you live",
        icon=":material/location_on:",
    )
with right:
    st.page_link(
        "views/map.py",
        label="Map: any indicator, nationally or for one authority",
        icon=":material/map:",
    )

st.subheader("About the data")
st.markdown(
    f"{len(place.areas):,} {place.area_level} areas, "
    f"{len(place.indicators)} indicators, grouped by "
    + ", ".join(g.title.lower() for g in place.groupings.values())
    + "."
)
