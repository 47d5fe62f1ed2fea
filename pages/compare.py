"""Compare: an authority (or any group) against its neighbours, with proper statistics."""

import streamlit as st

from insight.errors import DataError
from insight.explain import (
    COMPARATOR_WORDS,
    benchmark_summary,
    count_funnel_note,
    escape_markdown,
    funnel_caption,
    lower_first,
    no_deprivation_note,
    no_funnel_reason,
)
from insight.present import charts, tables
from ui import loaders, render, state
from ui.frame import frame

place = frame("Compare")
st.title("Compare")

# Settings
with st.sidebar:
    st.header("Compare settings")
    indicator_id = state.select_indicator(place)
    grouping_id = state.select_grouping(place, "Compare", plural=True)
    period = state.select_period(place.indicator(indicator_id))
indicator = place.indicator(indicator_id)
grouping = place.grouping(grouping_id)
names = place.group_names(grouping_id)
codes = list(names.index)
group_code = state.select_group(
    place,
    grouping_id,
    f"Main {escape_markdown(lower_first(grouping.title))}",
    loaders.default_group(place, grouping_id),
)
mode = state.select(
    "Compare with",
    "comparators",
    list(COMPARATOR_WORDS),
    "touching",
    format_func=COMPARATOR_WORDS.get,
)
neighbours, found, problem = [], None, None
if mode == "touching":
    neighbours = loaders.touching(place.id, grouping_id, group_code)
elif mode == "similar":
    try:
        found = loaders.similar_groups(place.id, grouping_id, group_code)
        neighbours = found.codes
    except DataError as error:
        problem = str(error)
chosen = state.select_many(
    f"Compared with ({escape_markdown(COMPARATOR_WORDS[mode].lower())} to start with)",
    "with",
    codes,
    neighbours,
    of=f"{grouping_id}:{group_code}:{mode}",
    format_func=lambda c: names.get(c, c),
)
if problem:
    st.info(escape_markdown(problem))
if found is not None:
    st.caption(escape_markdown(found.method))
    st.dataframe(tables.neighbours_table(found), hide_index=True)
shown_codes = [group_code, *[c for c in chosen if c != group_code]]

# Compute
result = loaders.compare_groups(place.id, indicator_id, grouping_id, period)
shown = result.subset(shown_codes).table
over_time = loaders.group_trend(place.id, indicator_id, grouping_id, group_code)
spine = loaders.spine(place.id, grouping_id, group_code)

# Render
if period is not None:
    st.info(f"Figures for {escape_markdown(period)}, an earlier period of this indicator.")
st.markdown(benchmark_summary(shown, indicator, result.benchmark_name, result.benchmark))
tab_bars, tab_funnel, tab_spine, tab_time, tab_deprivation, tab_table = st.tabs(
    [
        "Bars",
        "Funnel plot",
        f"All indicators for {escape_markdown(names.get(group_code, group_code))}",
        "Over time",
        "By deprivation",
        "Table",
    ]
)
with tab_bars:
    figure = charts.ci_bars(shown, indicator, result.benchmark, result.benchmark_name)
    st.plotly_chart(figure, width="stretch", key="bars")
    st.caption(f"How this is worked out: {escape_markdown(result.method)}")
with tab_funnel:
    if not indicator.sampled:
        st.info(no_funnel_reason(indicator))
    elif result.limits.empty:
        st.info("Not enough data for a funnel plot of this indicator.")
    else:
        st.plotly_chart(
            charts.funnel_plot(result, highlight=[group_code]),
            width="stretch",
            key="funnel",
        )
        st.caption(
            escape_markdown(
                funnel_caption(grouping.title, place.benchmark_name, result.benchmark_name)
            )
        )
        if count_funnel_note(indicator):
            st.caption(escape_markdown(count_funnel_note(indicator)))
with tab_spine:
    if spine.empty:
        st.info("No indicator has a value for this group.")
    else:
        st.plotly_chart(
            charts.spine_chart(spine, names.get(group_code), place.benchmark_name),
            width="stretch",
            key="spine",
        )
        st.dataframe(tables.spine_table(spine), hide_index=True)
with tab_time:
    render.trend_block(over_time, group_code, str(names.get(group_code, group_code)), "trend")
with tab_deprivation:
    if place.deprivation is None:
        st.info(no_deprivation_note(place.title))
    else:
        try:
            unequal = loaders.inequality_by_deprivation(
                place.id, indicator_id, grouping_id, group_code
            )
            render.inequality_block(unequal, "deprivation")
        except DataError as error:
            st.info(escape_markdown(str(error)))
with tab_table:
    st.dataframe(tables.benchmark_table(result, shown), hide_index=True)
render.downloads(
    tables.benchmark_table(result, shown),
    f"compare-{indicator_id}-{grouping_id}-{group_code}" + (f"-{period}" if period else ""),
    place,
)
