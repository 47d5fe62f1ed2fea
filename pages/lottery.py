"""Postcode lottery: ranked findings where what people get changes at a boundary.

Two views: the strongest findings across every indicator and boundary of the findings store
(the default), and every finding of one indicator and boundary (the view a link with
``?indicator=`` or ``?grouping=`` opens). Tested differences come first in both.
"""

import streamlit as st

from insight.explain import (
    FAMILY_HEADINGS,
    FINDING_FAMILIES,
    FINDING_KINDS,
    LOTTERY_INTRO,
    RANKING_RULE,
    escape_markdown,
    finding_labels,
    finding_where,
    held_back_sentence,
    partial_findings_note,
    place_search_hint,
)
from insight.present import tables
from insight.service.findings import filter_findings, search_findings
from ui import loaders, render, scan_progress, state
from ui.frame import frame

VIEWS = {
    "all": "The strongest across every indicator and boundary",
    "pair": "Every finding of one indicator and boundary",
}

place = frame("Postcode lottery")
st.title("Postcode lottery")
st.markdown(LOTTERY_INTRO)

# Settings
best = loaders.strongest_findings(place.id)
asked_for_pair = any(name in st.query_params for name in ("indicator", "grouping", "finding"))
views = list(VIEWS) if best is not None else ["pair"]
view = state.select(
    "Show", "view", views, "pair" if asked_for_pair else views[0], format_func=VIEWS.get
)
search = st.text_input("Only findings mentioning", placeholder="an authority, NHS area or network")


def where(finding) -> str:
    """The indicator and boundary of a finding, in words."""
    return finding_where(
        place.indicator(finding.indicator).title, place.grouping(finding.grouping).title
    )


if view == "all":
    # Compute
    shown = search_findings(best.items, search, where)
    st.caption(
        f"{len(shown):,} of {len(best):,} findings across {best.pairs:,} indicator and "
        "boundary pairs, strongest first."
    )
    progress = scan_progress.progress(place.id)
    if not progress.complete:  # the place is still being checked: say the list may change
        st.caption(partial_findings_note(progress.checked, progress.total))
    with st.expander("How findings are ranked"):
        st.caption(RANKING_RULE)
        if best.held_back:
            st.caption(held_back_sentence(best.held_back))
    if not shown:
        st.info(escape_markdown(place_search_hint(place, search, None)))
        st.stop()
    # Render
    positions = [position for position, _ in shown]
    chosen = st.selectbox(
        "Finding to show on the map",
        positions,
        format_func=lambda p: (
            f"{p}. {FINDING_FAMILIES[best.items[p - 1].tested]}: {best.items[p - 1].group_name}"
            f" ({where(best.items[p - 1])})"
        ),
        key="strongest_box",
    )
    finding = best.items[chosen - 1]
    st.caption(escape_markdown(where(finding)) + ".")
    render.finding_block(place, finding)
    for tested in (True, False):
        render.finding_list(
            [(p, f) for p, f in shown if f.tested is tested], FAMILY_HEADINGS[tested], 20, where
        )
    table = tables.findings_table(best.table.iloc[[p - 1 for p in positions]], None)
    with st.expander("As a table"):
        st.dataframe(table, hide_index=True)
    render.downloads(table, "lottery-strongest", place)
    st.stop()

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
shown = filter_findings(findings, chosen_kinds, search)
st.caption(f"{len(shown):,} of {len(findings):,} findings shown, strongest first.")
with st.expander("How findings are ranked"):
    st.caption(RANKING_RULE)
if shown.empty:
    if search.strip():
        st.info(escape_markdown(place_search_hint(place, search, grouping_id)))
    st.stop()

# Render
ranks = shown["rank"].tolist()
labels = finding_labels(shown)
rank = int(state.get("finding", [str(r) for r in ranks], str(ranks[0])))
rank = st.selectbox(
    "Finding to show on the map",
    ranks,
    index=ranks.index(rank),
    format_func=labels.get,
    key="finding_box",
)
state.put("finding", str(rank))
render.finding_block(place, found.by_rank(rank), period)
for tested in (True, False):
    render.finding_list(
        [(f.rank, f) for f in found if f.rank in set(ranks) and f.tested is tested],
        FAMILY_HEADINGS[tested],
        20,
    )
table = tables.findings_table(shown, place.indicator(indicator_id))
with st.expander("As a table"):
    st.dataframe(table, hide_index=True)
render.downloads(table, f"lottery-{indicator_id}-{grouping_id}", place)
