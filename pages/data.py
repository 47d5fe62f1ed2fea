"""Data & methods: sources, licences, vintages, how each indicator is worked out, data quality;
the batch postcode lookup, and officers' uploads.

Each section reads its settings, calls the service, then renders what it gets back (as
``pages/compare.py``); every sentence is :mod:`insight.explain`'s. The upload pipeline
(check, build and scan in bounded workers) is :func:`insight.service.building.upload_place`.
"""

import streamlit as st

from insight import explain
from insight.errors import InsightError
from insight.explain import escape_markdown
from insight.present import files, tables
from insight.service import building
from ui import access, loaders, render
from ui.frame import frame

LIMITS = building.UPLOAD_LIMITS

place = frame("Data and methods")
officer = access.current()

# ---- What the place is made of ----------------------------------------------------------
# Compute
described = building.describe_place(place)
coverage = loaders.benchmark_notes(place.id)
report = loaders.build_report(place)
services = None if place.services is None else len(place.services)

# Render
st.title("Data and methods")
st.markdown(
    explain.place_summary(
        place.title,
        len(place.areas),
        place.area_level,
        len(place.indicators),
        len(place.groupings),
        services,
    )
)

st.header("Sources and licences")
st.dataframe(described.sources, hide_index=True)
for attribution in described.attributions:
    st.caption(escape_markdown(attribution))
if place.upload:
    st.markdown(escape_markdown(explain.provenance_sentence(place.upload, officer.can_write)))
    with st.expander("The files this place was built from"):
        st.dataframe(tables.upload_files(place.upload), hide_index=True)

st.header("Indicators")
for indicator in place.indicators.values():
    with st.expander(escape_markdown(indicator.title)):
        facts = explain.indicator_facts(
            indicator, described.with_values[indicator.id], len(place.areas)
        )
        render.bullet_list(facts, intro=indicator.description)

st.header("Boundaries")
st.dataframe(described.boundaries, hide_index=True)

st.header("Data quality")
if described.quality is not None:
    st.dataframe(described.quality, hide_index=True)
else:
    st.caption(explain.NO_QUALITY_REPORT)

st.header("Statistical methods")
st.markdown(explain.statistical_methods(place, coverage))

if any(i.kind == "modelled" for i in place.indicators.values()):
    st.header("Modelled stroke outcomes", anchor="modelled-stroke-outcomes")
    render.method_text(explain.modelled_outcome_method())

st.header("Glossary")
render.glossary(explain.GLOSSARY)

# ---- Look up many postcodes -------------------------------------------------------------
st.header("Look up many postcodes")
st.markdown(explain.BATCH_LOOKUP_INTRO)
# Settings: a file, from officers only (a public dashboard takes no files from visitors)
batch = None
if officer.can_write:
    batch = st.file_uploader("File of postcodes", type=["csv", "xlsx"], key="batch_lookup")
else:
    st.caption(explain.BATCH_LOOKUP_PUBLIC)
if batch is not None:
    # Compute
    try:
        table, column = loaders.lookup_file(place.id, batch.getvalue(), batch.name)
    except InsightError as error:  # it names the file and its columns: escaped
        st.error(escape_markdown(str(error)))
    else:
        # Render
        st.caption(explain.postcodes_placed(table.attrs["placed"], len(table), column))
        st.dataframe(table.head(20), hide_index=True)
        st.download_button(
            "Download the table (CSV)",
            lambda: files.to_csv(table, dependent_columns=[]),
            file_name="postcodes-placed.csv",
            mime="text/csv",
            on_click="ignore",
        )

# ---- Build report -----------------------------------------------------------------------
st.header("Build report")
if report:
    with st.expander("What was read, matched and repaired when this place was built"):
        st.code(report, language=None)
else:
    st.caption(explain.BUILD_REPORT_DEMO)

# ---- Use your own data ------------------------------------------------------------------
st.header("Use your own data")
if not officer.can_write:
    # Read-only: no upload form at all, and a plain account of how officers add places.
    st.markdown(explain.own_data_read_only(officer.reason))
    if officer.sign_in_available and not st.user.get("is_logged_in"):
        access.sign_in_button()
    access.sign_out_button()
    st.stop()

if officer.signed_in:
    st.caption(explain.signed_in_as(officer.who))
    access.sign_out_button()
st.markdown(
    explain.upload_intro(LIMITS.files, LIMITS.file_bytes, LIMITS.total_bytes, LIMITS.seconds)
)
# Settings: the form
with st.form("upload"):
    config_text = st.text_area(
        "place.toml",
        value=building.EXAMPLE_CONFIG,
        height=260,
        max_chars=building.MAX_CONFIG_CHARS,
        help=explain.CONFIG_HELP,
    )
    uploaded = st.file_uploader("Files", accept_multiple_files=True)
    replace = st.checkbox("Replace a place with the same id", help=explain.REPLACE_HELP)
    submitted = st.form_submit_button("Check and build", type="primary")
if submitted:
    try:
        # Compute: check, build and scan, each in a bounded worker, with a progress bar
        with st.status(explain.UPLOAD_BUILDING, expanded=True) as status:
            bar = st.progress(0.0)
            done = building.upload_place(
                access.current(),  # again: the session may have signed out since
                config_text,
                uploaded or [],
                replace=replace,
                progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
                scanning=lambda built: status.update(label=explain.upload_scanning(built.title)),
                limits=LIMITS,
            )
            status.update(label=explain.built_label(done.place.title), state="complete")
        loaders.forget_places()
    except InsightError as error:
        st.error(escape_markdown(str(error)))
    else:
        # Render
        st.success(explain.built_sentence(done.place.title, len(done.place.areas)))
        if done.scan_stopped:
            st.warning(escape_markdown(done.scan_stopped))
        st.code(done.report.as_text(), language=None)
        st.page_link(
            "pages/map.py", label="Open it on the map", query_params={"place": done.place.id}
        )
