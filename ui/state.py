"""View state in the URL (``st.query_params``), so every view has a shareable address.

A value is read from the URL first, then from this session's memory (the URL loses its
parameters when the user changes page), then a default; writing sets both.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

_MEMORY = "url_state"


def get(name: str, options: Sequence[str] | None = None, default: str | None = None) -> str | None:
    """The current value of URL parameter ``name``, if it is one of ``options``."""
    memory = st.session_state.setdefault(_MEMORY, {})
    for value in (st.query_params.get(name), memory.get(name)):
        if value is not None and (options is None or value in options):
            return value
    return default


def put(name: str, value: str | None) -> None:
    """Set URL parameter ``name`` (remove it when ``value`` is None)."""
    memory = st.session_state.setdefault(_MEMORY, {})
    if value is None:
        memory.pop(name, None)
        if name in st.query_params:
            del st.query_params[name]
        return
    memory[name] = value
    if st.query_params.get(name) != value:
        st.query_params[name] = value


def select(
    label: str,
    name: str,
    options: Sequence[str],
    default: str,
    *,
    format_func=str,
    container=st,
    help: str | None = None,
) -> str:
    """A select box whose value lives in URL parameter ``name``."""
    options = list(options)
    current = get(name, options, default if default in options else options[0])
    value = container.selectbox(
        label,
        options,
        index=options.index(current),
        format_func=format_func,
        key=f"w_{name}",
        help=help,
    )
    put(name, value)
    return value


def select_indicator(place, default: str | None = None, container=st.sidebar) -> str:
    """The indicator select box of a page (URL parameter ``indicator``)."""
    ids = list(place.indicators)
    return select(
        "Indicator",
        "indicator",
        ids,
        default or ids[0],
        format_func=lambda i: place.indicators[i].title,
        container=container,
    )


def select_grouping(
    place, label: str, default: str | None = None, *, plural: bool = False, container=st.sidebar
) -> str:
    """The boundary select box of a page (URL parameter ``grouping``)."""

    def name(grouping_id: str) -> str:
        grouping = place.groupings[grouping_id]
        return grouping.plural.capitalize() if plural else grouping.title

    return select(
        label,
        "grouping",
        list(place.groupings),
        default or place.default_grouping,
        format_func=name,
        container=container,
    )


def select_group(place, grouping_id: str, label: str, default: str, container=st) -> str:
    """A select box of the groups of ``grouping_id`` by name (URL parameter ``group``)."""
    names = place.group_names(grouping_id)
    return select(
        label,
        "group",
        list(names.index),
        default,
        format_func=lambda c: names.get(c, c),
        container=container,
    )


def select_period(indicator, container=st.sidebar) -> str | None:
    """The period select box (URL parameter ``period``), shown only for an indicator with
    several periods. Returns the period chosen, or None for the latest (the default)."""
    if not indicator.has_series:
        return None
    periods = list(indicator.periods)
    value = select("Period", "period", periods, periods[-1], container=container)
    return None if value == periods[-1] else value
