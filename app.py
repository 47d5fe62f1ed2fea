"""Place Insight: entry point. Page config, the place picker and navigation.

Run with ``streamlit run app.py``; the page scripts are in ``views/`` (not ``pages/``: Streamlit would
auto-discover that folder and bypass the navigation on deep links).
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from insight.data.catalogue import list_places
from ui import loaders, state

st.set_page_config(
    page_title="Place Insight",
    page_icon=str(Path(__file__).parent / "static" / "favicon.png"),
    layout="wide",
)

PAGES = [
    st.Page("views/home.py", title="Home", icon=":material/home:", url_path="home", default=True),
    st.Page(
        "views/your_area.py", title="Your area", icon=":material/location_on:", url_path="your-area"
    ),
    st.Page("views/map.py", title="Map", icon=":material/map:", url_path="map"),
    st.Page("views/compare.py", title="Compare", icon=":material/bar_chart:", url_path="compare"),
    st.Page(
        "views/lottery.py", title="Postcode lottery", icon=":material/casino:", url_path="lottery"
    ),
    st.Page("views/present.py", title="Present", icon=":material/slideshow:", url_path="present"),
    st.Page("views/data.py", title="Data and methods", icon=":material/info:", url_path="data"),
]
page = st.navigation(PAGES)

places = list_places()
with st.sidebar:
    state.select(
        "Place",
        "place",
        list(places),
        loaders.current_place_id(),
        format_func=lambda place_id: places[place_id],
    )
    st.caption("Place Insight: open data, worked out on this computer. Nothing is sent anywhere.")

page.run()
