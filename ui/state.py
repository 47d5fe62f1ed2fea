"""View state in the URL (``st.query_params``), so every view has a shareable address.

A value is read from the URL first, then from this session's memory (the URL loses its
parameters when the user changes page), then a default; writing sets both.

A select box keeps its own value between runs, so the URL only wins over it when the
address changed from outside the box: a link that carries a value (the page link after an
upload names the new place), or a shared address opened in this session. The memory holds
what this session last wrote, so a URL value different from it is such a change.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

_MEMORY = "url_state"
_OF = "@of"  # memory key suffix: what a remembered value belongs to
_GROUP_OF = f"group{_OF}"


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


def from_outside(name: str) -> str | None:
    """The value of URL parameter ``name`` when this session did not write it there (a link
    opened, a shared address, a reload), else None."""
    value = st.query_params.get(name)
    memory = st.session_state.setdefault(_MEMORY, {})
    return value if value is not None and value != memory.get(name) else None


def _changed_outside(name: str, options: Sequence[str]) -> str | None:
    """The value of URL parameter ``name`` when it is one of ``options`` and differs from
    what this session last wrote there (a link or a shared address), else None."""
    value = st.query_params.get(name)
    memory = st.session_state.setdefault(_MEMORY, {})
    return value if value in options and value != memory.get(name) else None


def select(
    label: str,
    name: str,
    options: Sequence[str],
    default: str,
    *,
    format_func=str,
    container=st,
    help: str | None = None,
    move: bool = False,
) -> str:
    """A select box whose value lives in URL parameter ``name``.

    Parameters
    ----------
    label : str
        The box's label.
    name : str
        The URL parameter; the widget's key is ``w_<name>``.
    options : sequence of str
        The values to choose from.
    default : str
        The value when neither the URL nor the session says one (the first option when
        it is not one of them).
    format_func : callable
        Text shown for each option.
    container : module or container
        Where to draw the box (``st.sidebar``...).
    help : str, optional
        Tooltip.
    move : bool
        The caller has just put a new value in the URL: move the box to it.

    Returns
    -------
    str
        The value chosen, written to the URL and the session's memory.
    """
    options = list(options)
    key = f"w_{name}"
    current = get(name, options, default if default in options else options[0])
    moved = key in st.session_state and (move or _changed_outside(name, options) is not None)
    if moved:
        st.session_state[key] = current  # a link or a shared address moves the box
    value = container.selectbox(
        label,
        options,
        # The box keeps its own value between runs (or the one just set): the index is
        # only its first value (0 when set, so Streamlit sees no two values to choose from).
        index=0 if moved else options.index(current),
        format_func=format_func,
        key=key,
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


def select_group(
    place, grouping_id: str, label: str, default: str, container=st, *, area: str | None = None
) -> str:
    """A select box of the groups of ``grouping_id`` by name (URL parameter ``group``).

    When the boundaries change under a view (the grouping is not the one the group was
    chosen in), the view stays where it was: the new group is the one holding the
    selected ``area`` when that area was in the group shown, else the one most of the
    group's areas lie in (:meth:`insight.model.Place.group_at`). A shared address that
    names its group keeps it.

    Parameters
    ----------
    place : Place
        The current place.
    grouping_id : str
        The grouping whose groups are offered.
    label : str
        The box's label (Markdown escaped by the caller).
    default : str
        The group when nothing else says one.
    container : module or container
        Where to draw the box.
    area : str, optional
        The selected area, if any.

    Returns
    -------
    str
        The group code chosen.
    """
    names = place.group_names(grouping_id)
    codes = list(names.index)
    memory = st.session_state.setdefault(_MEMORY, {})
    was, shown = memory.get(_GROUP_OF), memory.get("group")
    move = False
    if (
        was in place.groupings
        and was != grouping_id
        and shown is not None
        and _changed_outside("group", codes) is None
    ):
        inside = area is not None and place.group_at(was, area_code=area) == shown
        kept = place.group_at(
            grouping_id,
            area_code=area if inside else None,
            from_grouping=was,
            from_group=shown,
        )
        if kept in codes:
            put("group", kept)
            move = True
    value = select(
        label,
        "group",
        codes,
        default,
        format_func=lambda c: names.get(c, c),
        container=container,
        move=move,
    )
    memory[_GROUP_OF] = grouping_id
    return value


def select_many(
    label: str,
    name: str,
    options: Sequence[str],
    default: Sequence[str],
    *,
    of: str,
    format_func=str,
    container=st,
) -> list[str]:
    """A multiselect whose values live in URL parameter ``name`` (repeated, one per value).

    The values belong to something (``of``: Compare's comparators belong to one main
    group): when that changes, the box starts again from ``default``. A link or shared
    address carrying the parameter sets the box; values that are not options are dropped.
    Choosing nothing is written as one empty value, so a shared address keeps it.

    Parameters
    ----------
    label : str
        The box's label.
    name : str
        The URL parameter.
    options : sequence of str
        The values to choose from.
    default : sequence of str
        The values when nothing else says which.
    of : str
        What the values belong to (e.g. ``"lad:E06000062"``).
    format_func : callable
        Text shown for each option.
    container : module or container
        Where to draw the box.

    Returns
    -------
    list of str
        The values chosen, written to the URL and the session's memory.
    """
    options = list(options)
    allowed = set(options)
    memory = st.session_state.setdefault(_MEMORY, {})
    owner = f"{name}{_OF}"
    url = st.query_params.get_all(name)
    key = f"w_{name}_{of}"
    if url and url != memory.get(name):  # a link or a shared address: it wins
        chosen = url
        if key in st.session_state:
            st.session_state[key] = [c for c in dict.fromkeys(chosen) if c in allowed]
    elif memory.get(owner) == of and memory.get(name) is not None:
        chosen = memory[name]
    else:
        chosen = list(default)
    chosen = [c for c in dict.fromkeys(chosen) if c in allowed]
    values = container.multiselect(
        label,
        options,
        default=None if key in st.session_state else chosen,
        format_func=format_func,
        key=key,
    )
    written = list(values) or [""]
    memory[name], memory[owner] = written, of
    if st.query_params.get_all(name) != written:
        st.query_params[name] = written
    return list(values)


def select_period(indicator, container=st.sidebar) -> str | None:
    """The period select box (URL parameter ``period``), shown only for an indicator with
    several periods. Returns the period chosen, or None for the latest (the default)."""
    if not indicator.has_series:
        return None
    periods = list(indicator.periods)
    value = select("Period", "period", periods, periods[-1], container=container)
    return None if value == periods[-1] else value
