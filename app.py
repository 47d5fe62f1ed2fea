"""Place Insight, and its Home page: what it is, a postcode box, the strongest findings, links.

Run with ``streamlit run app.py``. The other pages are the scripts in ``pages/`` (Streamlit's
own multipage mode: the URL of a page is its file name); every page, this one included,
starts with :func:`ui.frame.frame`, which draws the sidebar and the place picker.
"""

import streamlit as st

from insight.explain import (
    FINDING_FAMILIES,
    RANKING_RULE,
    WAITING_FOR_FIRST_FINDINGS,
    escape_markdown,
    finding_where,
    lower_first,
    partial_findings_note,
)
from ui import loaders, scan_progress
from ui.frame import APP_NAME, frame

place = frame(APP_NAME)

st.title(APP_NAME)
st.markdown(
    "**What people get can depend on which side of a boundary they live.** Place Insight shows how "
    "outcomes and access to services vary from one neighbourhood to the next across "
    f"**{escape_markdown(place.title)}**, and finds the *postcode lotteries*: places where a "
    "council, NHS or network boundary makes a difference."
)

with st.form("postcode"):
    postcode = st.text_input(
        "Your postcode",
        placeholder="for example NN1 1AA",
        help="Any case and spacing. Nothing you type leaves this computer.",
    )
    if st.form_submit_button("Show my area", type="primary"):
        st.switch_page("pages/your-area.py", query_params={"place": place.id, "postcode": postcode})

st.subheader("Where to go next")
links = [
    ("pages/your-area.py", "Your area: what it is like where you live", ":material/location_on:"),
    ("pages/map.py", "Map: any indicator, nationally or for one authority", ":material/map:"),
    ("pages/compare.py", "Compare: an authority with its neighbours", ":material/bar_chart:"),
    (
        "pages/lottery.py",
        "Postcode lottery: where a boundary makes a difference",
        ":material/casino:",
    ),
    ("pages/present.py", "Present: findings for a meeting, as slides", ":material/slideshow:"),
    ("pages/data.py", "Data and methods, and your own data", ":material/info:"),
]
columns = st.columns(2)
for i, (page, label, icon) in enumerate(links):
    with columns[i % 2]:
        st.page_link(page, label=label, icon=icon, query_params={"place": place.id})

st.subheader("The strongest findings")


def strongest() -> None:
    """The strongest findings stored so far; while the place is being checked, said to be
    from the pairs checked so far (this part is a fragment then, redrawn as pairs arrive)."""
    progress = scan_progress.progress(place.id)
    best = loaders.strongest_findings(place.id, top=3)
    if best is None and progress.running:  # a first start: the first pair is on its way
        st.info(WAITING_FOR_FIRST_FINDINGS)
        return
    if best is None:  # no findings store yet: the place's featured indicator and boundary
        indicator_id, grouping_id = place.featured_pair()
        top = loaders.ranked_findings(place.id, indicator_id, grouping_id).items[:3]
    else:
        top = best.items[:3]
    if best is not None and not progress.complete:
        st.caption(partial_findings_note(progress.checked, progress.total))
    with st.expander("How these are ranked"):
        st.caption(RANKING_RULE)
    if not top:
        st.caption("No postcode lottery stands out in this place.")
    for finding in top:
        with st.container(border=True):
            st.markdown(
                f"**{FINDING_FAMILIES[finding.tested]}** · "
                + escape_markdown(
                    finding_where(
                        place.indicator(finding.indicator).title,
                        place.grouping(finding.grouping).title,
                    )
                )
            )
            st.markdown(escape_markdown(finding.sentence))
            st.page_link(
                "pages/lottery.py",
                label="See this finding on the map",
                icon=":material/arrow_forward:",
                query_params={
                    "place": place.id,
                    "view": "pair",
                    "indicator": finding.indicator,
                    "grouping": finding.grouping,
                    "finding": str(finding.rank),
                },
            )


if scan_progress.progress(place.id).running:
    st.fragment(run_every=scan_progress.EVERY_S)(strongest)()
else:
    strongest()

st.subheader("About the data")
st.markdown(
    f"{len(place.areas):,} areas, each a {escape_markdown(place.area_level)}; "
    f"{len(place.indicators)} indicators, grouped by "
    + ", ".join(escape_markdown(lower_first(g.title)) for g in place.groupings.values())
    + "."
)
