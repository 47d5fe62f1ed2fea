"""Data & methods: sources, licences, vintages, how each indicator is worked out, data quality;
the batch postcode lookup, and officers' uploads.

Each interactive section reads its settings, calls the service, then renders what it gets
back (as ``pages/compare.py``): the upload pipeline (check, build and scan in bounded
workers) is :func:`insight.service.building.upload_place`.
"""

import streamlit as st

from insight.errors import InsightError
from insight.explain import (
    GLOSSARY,
    escape_markdown,
    modelled_outcome_method,
    provenance_sentence,
    statistical_methods,
)
from insight.present import files, tables
from insight.service import building
from ui import access, loaders
from ui.frame import frame

LIMITS = building.UPLOAD_LIMITS
POLARITY_WORDS = {
    "low_is_good": "lower",
    "high_is_good": "higher",
    "neutral": "neither (no judgement)",
}

place = frame("Data and methods")
officer = access.current()

# Compute: what the place is made of
described = building.describe_place(place)
coverage = loaders.benchmark_notes(place.id)
report = loaders.build_report(place)

# Render
st.title("Data and methods")
st.markdown(
    f"**{escape_markdown(place.title)}**: {len(place.areas):,} areas "
    f"({escape_markdown(place.area_level)}), {len(place.indicators)} indicators, "
    f"{len(place.groupings)} kinds of boundary"
    + (f", {len(place.services):,} service points." if place.services is not None else ".")
)

st.header("Sources and licences")
st.dataframe(described.sources, hide_index=True)
for attribution in described.attributions:
    st.caption(escape_markdown(attribution))
if place.upload:
    st.markdown(escape_markdown(provenance_sentence(place.upload, officer.can_write)))
    with st.expander("The files this place was built from"):
        st.dataframe(tables.upload_files(place.upload), hide_index=True)

st.header("Indicators")
for indicator in place.indicators.values():
    with st.expander(escape_markdown(indicator.title)):
        st.markdown(
            f"{escape_markdown(indicator.description)}\n\n"
            f"- Unit: {escape_markdown(indicator.unit)}; period: {escape_markdown(indicator.period)}\n"
            f"- Source: {escape_markdown(indicator.source)}\n"
            f"- Which way is better: {POLARITY_WORDS[indicator.polarity]}\n"
            f"- Areas with a value: {described.with_values[indicator.id]:,} of {len(place.areas):,}"
        )

st.header("Boundaries")
st.dataframe(described.boundaries, hide_index=True)

st.header("Data quality")
if described.quality is not None:
    st.dataframe(described.quality, hide_index=True)
else:
    st.caption("No data-quality report was stored with this place.")

st.header("Statistical methods")
st.markdown(statistical_methods(place, coverage))

if any(i.kind == "modelled" for i in place.indicators.values()):
    st.header("Modelled stroke outcomes", anchor="modelled-stroke-outcomes")
    st.markdown(
        "\n".join(
            f"- {escape_markdown(line[2:])}"
            if line.startswith("- ")
            else f"\n{escape_markdown(line)}\n"
            for line in modelled_outcome_method()
        )
    )

st.header("Glossary")
st.markdown(
    "\n".join(
        f"- **{escape_markdown(term)}**: {escape_markdown(meaning)}" for term, meaning in GLOSSARY
    )
)

st.header("Look up many postcodes")
st.markdown(
    "Upload a CSV or Excel file with a column of postcodes (a list of clients, say): you get it "
    "back with each postcode's small area, council, every boundary of this place and every "
    "indicator, and a *problem* column saying why any postcode could not be placed. Nothing "
    "is kept on the server."
)
# Settings: a file, from officers only
batch = None
if officer.can_write:
    batch = st.file_uploader("File of postcodes", type=["csv", "xlsx"], key="batch_lookup")
else:  # a public dashboard takes no files from visitors; the command line does the same
    st.caption(
        "On this public dashboard, files are taken from signed-in officers only. The same "
        "lookup runs on any computer with `python -m insight lookup --file FILE.csv --out "
        "OUT.csv`."
    )
if batch is not None:
    # Compute
    try:
        table, column = loaders.lookup_file(place.id, batch.getvalue(), batch.name)
    except InsightError as error:
        st.error(str(error))
    else:
        # Render
        st.caption(
            f"{table.attrs['placed']:,} of {len(table):,} postcodes placed (column {column!r})."
        )
        st.dataframe(table.head(20), hide_index=True)
        st.download_button(
            "Download the table (CSV)",
            lambda: files.to_csv(table, dependent_columns=[]),
            file_name="postcodes-placed.csv",
            mime="text/csv",
            on_click="ignore",
        )

st.header("Build report")
if report:
    with st.expander("What was read, matched and repaired when this place was built"):
        st.code(report, language=None)
else:
    st.caption(
        "The demo place is built from packages; its checks are in the data-quality table above."
    )

st.header("Use your own data")
if not officer.can_write:
    # Read-only: no upload form at all, and a plain account of how officers add places.
    st.markdown(
        "Officers add their own places (their boundaries, lookups, indicators and services) "
        "to this dashboard. " + escape_markdown(officer.reason)
    )
    if officer.sign_in_available and not st.user.get("is_logged_in"):
        access.sign_in_button()
    access.sign_out_button()
    st.stop()

if officer.signed_in:
    st.caption(f"Signed in as {escape_markdown(officer.who)}.")
    access.sign_out_button()
st.markdown(
    "Upload your boundary file (GeoJSON, GeoPackage, zipped Shapefile or GeoParquet), lookups, "
    "indicator files (a Fingertips *download data* CSV, or your own CSV/Excel) and service lists, "
    "with a `place.toml` that says what each file is. The same checks run as for "
    "`python -m insight build`, and the place is saved so it is still here after a restart. "
    f"Up to {LIMITS.files} files, each up to {LIMITS.file_bytes // 1024 // 1024} MB and "
    f"{LIMITS.total_bytes // 1024 // 1024} MB in all; a build may take "
    f"{LIMITS.seconds:.0f} seconds."
)
# Settings: the form
with st.form("upload"):
    config_text = st.text_area(
        "place.toml",
        value=building.EXAMPLE_CONFIG,
        height=260,
        max_chars=building.MAX_CONFIG_CHARS,
        help="Paths are the names of the files you upload.",
    )
    uploaded = st.file_uploader("Files", accept_multiple_files=True)
    replace = st.checkbox(
        "Replace a place with the same id",
        help="Needed to update a place. Someone else's place can only be replaced by a "
        "signed-in officer.",
    )
    submitted = st.form_submit_button("Check and build", type="primary")
if submitted:
    try:
        # Compute: check, build and scan, each in a bounded worker, with a progress bar
        with st.status("Building your place…", expanded=True) as status:
            bar = st.progress(0.0)
            done = building.upload_place(
                access.current(),  # again: the session may have signed out since
                config_text,
                uploaded or [],
                replace=replace,
                progress=lambda fraction, message: bar.progress(min(fraction, 1.0), text=message),
                scanning=lambda built: status.update(
                    label=f"Looking for postcode lotteries in {built.title}…"
                ),
                limits=LIMITS,
            )
            status.update(label=f"Built {done.place.title}", state="complete")
        loaders.forget_places()
    except InsightError as error:
        st.error(escape_markdown(str(error)))
    else:
        # Render
        st.success(
            f"Built **{escape_markdown(done.place.title)}** ({len(done.place.areas):,} areas)."
        )
        if done.scan_stopped:
            st.warning(escape_markdown(done.scan_stopped))
        st.code(done.report.as_text(), language=None)
        st.page_link(
            "pages/map.py", label="Open it on the map", query_params={"place": done.place.id}
        )
