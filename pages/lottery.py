"""Postcode lottery: ranked findings where what people get changes at a boundary."""

import streamlit as st

from insight.explain import (
    FINDING_KINDS,
    LOTTERY_INTRO,
    escape_markdown,
    services_on_map_title,
)
from ui import loaders, presentation, render, state
from ui.frame import frame

place = frame("Postcode lottery")
st.title("Postcode lottery")
st.markdown(LOTTERY_INTRO)

# Settings
featured_indicator, featured_grouping = place.featured_pair()
with st.sidebar:
    st.header("Lottery settings")
    indicator_id = state.select_indicator(place, featured_indicator)
    grouping_id = state.select_grouping(place, "Boundary", featured_grouping)
    period = state.select_period(place.indicator(indicator_id))

# Compute
found = loaders.ranked_findings(place.id, indicator_id, grouping_id, period)
findings = found.table
if period is not None:
    st.info(f"Findings for {escape_markdown(period)}, an earlier period of this indicator.")
if findings.empty:
    st.info(
        "No postcode lottery found for this indicator and boundary: no difference at a boundary "
        "is bigger than chance and the general pattern across the country would explain."
    )
    st.stop()
kinds = FINDING_KINDS
# Pills, not a multiselect: each is a button big enough to tap (WCAG 2.2 target size; the
# multiselect's own text box shrank to a few pixels on a phone).
chosen_kinds = (
    st.pills(
        "Kinds of finding",
        [k for k in kinds if k in set(findings["kind"])],
        selection_mode="multi",
        default=[k for k in kinds if k in set(findings["kind"])],
        format_func=kinds.get,
    )
    or []
)
search = st.text_input("Only findings mentioning", placeholder="an authority, NHS area or network")
shown = render.filter_findings(findings, chosen_kinds, search)
st.caption(f"{len(shown):,} of {len(findings):,} findings shown, strongest first.")
if shown.empty:
    if search.strip():
        st.info(escape_markdown(render.search_hint(place, search, grouping_id)))
    st.stop()

# Render
ranks = shown["rank"].tolist()
labels = render.finding_labels(shown)
rank = int(state.get("finding", [str(r) for r in ranks], str(ranks[0])))
rank = st.selectbox(
    "Finding to show on the map",
    ranks,
    index=ranks.index(rank),
    format_func=labels.get,
    key="finding_box",
)
state.put("finding", str(rank))
finding = found.by_rank(rank)
with st.container(border=True):
    render.finding_card(finding, place.indicator(indicator_id))
    finding_map = loaders.finding_map(place.id, indicator_id, grouping_id, rank, period)
    left, right = st.columns([3, 1])
    with left:
        st.pydeck_chart(
            finding_map.deck,
            height=420,
            key="finding_map",
            alt=f"Map of the areas in finding {rank} and the areas around them; "
            "the lists of areas and services are below.",
        )
    with right:
        render.legend(finding_map.classification, place.indicator(indicator_id), unit_line=False)
        render.service_key(place, tuple(place.service_types), finding_map.services)
        render.place_names_note()
    with st.expander("The areas in this finding"):
        st.dataframe(finding_map.table, hide_index=True)
    if not finding_map.services.empty:
        with st.expander(escape_markdown(services_on_map_title(len(finding_map.services)))):
            st.dataframe(finding_map.services, hide_index=True)
    if period is not None:
        st.caption("Slides show the latest period: choose it to add this finding to them.")
    else:
        presentation.add_button(
            {
                "kind": "finding",
                "indicator": indicator_id,
                "grouping": grouping_id,
                "finding_kind": finding.kind,
                "group_code": finding.group_code,
                "other_code": finding.other_code or None,
            },
            key=f"present_{rank}",
        )

st.subheader("All findings")
for _, row in shown.head(20).iterrows():
    st.markdown(f"{int(row['rank'])}. {escape_markdown(row['sentence'])}")
table = render.findings_table(shown, place.indicator(indicator_id))
with st.expander("As a table"):
    st.dataframe(table, hide_index=True)
render.downloads(table, f"lottery-{indicator_id}-{grouping_id}", place)
