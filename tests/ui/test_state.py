"""ui.state: view state in the URL, remembered for the session, with defaults for bad values.

Each test drives a tiny Streamlit script through AppTest, so ``st.query_params`` and
``st.session_state`` are Streamlit's own. The script runs the calls the test puts in
``st.session_state["calls"]`` and leaves their results in ``st.session_state["results"]``.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

INDICATORS = ["admissions", "ivt_minutes", "mt_minutes"]


def script() -> None:
    import streamlit as st

    from ui import state

    results = []
    for name, args, kwargs in st.session_state.pop("calls", []):
        results.append(getattr(state, name)(*args, **kwargs))
    if "select" in st.session_state:  # a select box drawn on every run, like a page's
        label, name, options, default = st.session_state["select"]
        results.append(state.select(label, name, options, default, format_func=str.upper))
    st.session_state["results"] = results


def new_app(**query: str) -> AppTest:
    app = AppTest.from_function(script, default_timeout=30)
    for key, value in query.items():
        app.query_params[key] = value
    return app


def call(app: AppTest, *calls: tuple) -> list:
    """Run ``calls`` (``(function name, *args)``) in one script run; return their results."""
    app.session_state["calls"] = [(name, args, {}) for name, *args in calls]
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app.session_state["results"]


def url(app: AppTest, name: str) -> str | None:
    value = app.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def test_get_reads_the_url_value_when_it_is_an_option():
    app = new_app(indicator="mt_minutes")
    assert call(app, ("get", "indicator", INDICATORS, "admissions")) == ["mt_minutes"]


def test_get_without_options_returns_whatever_the_url_says():
    app = new_app(postcode="nn1 1aa")
    assert call(app, ("get", "postcode"), ("get", "missing")) == ["nn1 1aa", None]


def test_get_falls_back_to_the_default_for_an_invalid_or_missing_value():
    app = new_app(indicator="not-an-indicator")
    results = call(
        app,
        ("get", "indicator", INDICATORS, "admissions"),
        ("get", "grouping", ["lad", "icb"], "lad"),
    )
    assert results == ["admissions", "lad"]
    assert url(app, "indicator") == "not-an-indicator"  # get never writes


def test_put_writes_the_url_and_the_session_memory():
    app = new_app()
    call(app, ("put", "indicator", "ivt_minutes"))
    assert url(app, "indicator") == "ivt_minutes"
    assert app.session_state["url_state"] == {"indicator": "ivt_minutes"}


def test_the_session_remembers_a_value_the_url_lost():
    app = new_app()
    call(app, ("put", "indicator", "ivt_minutes"))
    app.query_params.clear()  # another page opened from a link without parameters
    assert call(app, ("get", "indicator", INDICATORS, "admissions")) == ["ivt_minutes"]


def test_the_url_wins_over_the_session_memory():
    app = new_app()
    call(app, ("put", "indicator", "ivt_minutes"))
    app.query_params["indicator"] = "mt_minutes"  # a shared link opened in this session
    assert call(app, ("get", "indicator", INDICATORS, "admissions")) == ["mt_minutes"]


def test_an_invalid_url_value_falls_back_to_the_session_memory_then_the_default():
    app = new_app()
    call(app, ("put", "indicator", "ivt_minutes"))
    app.query_params["indicator"] = "nonsense"
    assert call(app, ("get", "indicator", INDICATORS, "admissions")) == ["ivt_minutes"]
    assert call(app, ("get", "indicator", ["admissions"], "admissions")) == ["admissions"]


def test_put_none_removes_the_value_from_the_url_and_the_memory():
    app = new_app(postcode="NN1 1AA")
    call(app, ("put", "postcode", "NN1 1AA"))
    assert call(app, ("put", "postcode", None), ("get", "postcode")) == [None, None]
    assert "postcode" not in app.query_params
    assert "postcode" not in app.session_state["url_state"]


def test_select_starts_from_the_default_and_puts_it_in_the_url():
    app = new_app()
    app.session_state["select"] = ("Indicator", "indicator", INDICATORS, "ivt_minutes")
    assert call(app) == ["ivt_minutes"]
    box = app.selectbox(key="w_indicator")
    assert box.label == "Indicator" and box.value == "ivt_minutes"
    assert box.options == ["ADMISSIONS", "IVT_MINUTES", "MT_MINUTES"]  # format_func applied
    assert url(app, "indicator") == "ivt_minutes"


def test_select_opens_at_the_url_value():
    app = new_app(indicator="mt_minutes")
    app.session_state["select"] = ("Indicator", "indicator", INDICATORS, "ivt_minutes")
    assert call(app) == ["mt_minutes"]
    assert app.selectbox(key="w_indicator").value == "mt_minutes"


def test_select_replaces_an_invalid_url_value_by_the_default():
    app = new_app(indicator="nonsense")
    app.session_state["select"] = ("Indicator", "indicator", INDICATORS, "ivt_minutes")
    assert call(app) == ["ivt_minutes"]
    assert url(app, "indicator") == "ivt_minutes"


def test_select_with_a_default_that_is_not_an_option_starts_at_the_first_option():
    app = new_app()
    app.session_state["select"] = ("Indicator", "indicator", INDICATORS, "gone")
    assert call(app) == ["admissions"]


def test_choosing_in_the_select_box_updates_the_url_and_the_memory():
    app = new_app()
    app.session_state["select"] = ("Indicator", "indicator", INDICATORS, "admissions")
    call(app)
    app.selectbox(key="w_indicator").select("mt_minutes")
    assert call(app) == ["mt_minutes"]
    assert url(app, "indicator") == "mt_minutes"
    assert app.session_state["url_state"]["indicator"] == "mt_minutes"


# --- a link or shared address moves the select box -----------------------------------------


def test_a_link_naming_another_value_moves_the_select_box():
    app = new_app()
    app.session_state["select"] = ("Indicator", "indicator", INDICATORS, "admissions")
    call(app)
    app.query_params["indicator"] = "mt_minutes"  # a link followed in this session
    assert call(app) == ["mt_minutes"]
    assert app.selectbox(key="w_indicator").value == "mt_minutes"
    app.selectbox(key="w_indicator").select("ivt_minutes")  # and the box still works
    assert call(app) == ["ivt_minutes"]
    assert url(app, "indicator") == "ivt_minutes"


def test_a_link_with_a_value_that_is_not_an_option_leaves_the_box_alone():
    app = new_app()
    app.session_state["select"] = ("Indicator", "indicator", INDICATORS, "admissions")
    call(app)
    app.selectbox(key="w_indicator").select("ivt_minutes")
    call(app)
    app.query_params["indicator"] = "nonsense"
    assert call(app) == ["ivt_minutes"]


# --- several values: Compare's comparators ----------------------------------------------------


def many_app(**query) -> AppTest:
    def script() -> None:
        import streamlit as st

        from ui import state

        label, name, options, default, of = st.session_state["many"]
        st.session_state["results"] = state.select_many(label, name, options, default, of=of)

    app = AppTest.from_function(script, default_timeout=30)
    for key, value in query.items():
        app.query_params[key] = value
    return app


def run_many(app: AppTest, default: list[str], of: str = "lad:A") -> list[str]:
    app.session_state["many"] = ("Compared with", "with", ["A", "B", "C", "D"], default, of)
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app.session_state["results"]


def all_values(app: AppTest, name: str) -> list[str]:
    value = app.query_params.get(name)
    return value if isinstance(value, list) else [value]


def test_select_many_starts_from_the_default_and_writes_each_value():
    app = many_app()
    assert run_many(app, ["B", "C"]) == ["B", "C"]
    assert all_values(app, "with") == ["B", "C"]


def test_select_many_opens_at_the_url_values_that_are_options():
    app = many_app(**{"with": ["D", "nope", "B", "D"]})
    assert run_many(app, ["B", "C"]) == ["D", "B"]
    assert all_values(app, "with") == ["D", "B"]


def test_select_many_keeps_nothing_chosen_and_starts_again_for_another_owner():
    app = many_app()
    run_many(app, ["B", "C"])
    app.multiselect[0].set_value([])
    assert run_many(app, ["B", "C"]) == []
    assert all_values(app, "with") == [""]
    app.query_params.clear()  # another page, then back: the memory keeps the choice
    assert run_many(app, ["B", "C"]) == []
    assert run_many(app, ["C"], of="lad:B") == ["C"]  # a new main group: its own default
