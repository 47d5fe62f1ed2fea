"""Data & methods: sources, licences, vintages, how each indicator is worked out, data quality."""

import pandas as pd
import streamlit as st

from insight.errors import InsightError
from insight.explain import (
    BORDERS_EXPLAINED,
    FAMILIES_EXPLAINED,
    GLOSSARY,
    OUTLIER_METHOD,
    RANKING_RULE,
    STORE_ERROR_CONTROL,
    STRONGEST_LEAVES_OUT,
    escape_markdown,
    modelled_outcome_method,
    weights_sentence,
)
from insight.present import files
from insight.service import building
from ui import access, loaders, render
from ui.frame import frame

LIMITS = building.UPLOAD_LIMITS

place = frame("Data and methods")
st.title("Data and methods")
st.markdown(
    f"**{escape_markdown(place.title)}**: {len(place.areas):,} areas "
    f"({escape_markdown(place.area_level)}), {len(place.indicators)} indicators, "
    f"{len(place.groupings)} kinds of boundary"
    + (f", {len(place.services):,} service points." if place.services is not None else ".")
)

st.header("Sources and licences")
sources = pd.DataFrame(
    [
        {
            "Layer": layer.name,
            "Source": layer.source,
            "Licence": layer.licence,
            "Vintage": layer.vintage,
        }
        for layer in place.provenance
    ]
)
st.dataframe(sources, hide_index=True)
attributions = sorted({layer.attribution for layer in place.provenance if layer.attribution})
for attribution in attributions:
    st.caption(escape_markdown(attribution))
if place.upload:
    st.markdown(escape_markdown(render.provenance_sentence(place.upload, access.current())))
    with st.expander("The files this place was built from"):
        st.dataframe(render.upload_files(place.upload), hide_index=True)

st.header("Indicators")
for indicator in place.indicators.values():
    with st.expander(escape_markdown(indicator.title)):
        st.markdown(
            f"{escape_markdown(indicator.description)}\n\n"
            f"- Unit: {escape_markdown(indicator.unit)}; period: {escape_markdown(indicator.period)}\n"
            f"- Source: {escape_markdown(indicator.source)}\n"
            f"- Which way is better: "
            + {
                "low_is_good": "lower",
                "high_is_good": "higher",
                "neutral": "neither (no judgement)",
            }[indicator.polarity]
            + f"\n- Areas with a value: {place.areas[indicator.id].notna().sum():,} of {len(place.areas):,}"
        )

st.header("Boundaries")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Boundary": g.title,
                "Groups": place.areas[g.code_column].nunique(),
                "Where it comes from": g.description,
            }
            for g in place.groupings.values()
        ]
    ),
    hide_index=True,
)

st.header("Data quality")
if place.quality:
    quality = pd.DataFrame(
        [
            {"Check": key.replace("_", " ").capitalize(), "Result": value}
            for key, value in place.quality.items()
            if not isinstance(value, (list, dict))
        ]
    )
    quality["Result"] = quality["Result"].astype(str)
    st.dataframe(quality, hide_index=True)
else:
    st.caption("No data-quality report was stored with this place.")

st.header("Statistical methods")
coverage = loaders.benchmark_notes(place.id) or "every benchmark covers the whole place."
st.markdown(
    f"""
- **Confidence intervals** follow the methods OHID uses for Fingertips (PHEindicatormethods):
  Wilson score intervals for proportions; Byar's method for counts and rates, with exact
  Poisson intervals when the count is under 10; Dobson's method for directly standardised rates.
- **Compared with the benchmark**: *better* or *worse* only when the 95% interval does not include
  the benchmark; otherwise *similar*. For indicators with no better direction: *higher* or *lower*.
- **What an indicator is decides how it is compared.** Counts, rates, percentages and ratios vary
  by chance: they get 95% confidence intervals, funnel plots and *better*/*worse* ratings. Travel
  times are worked out from a fixed table of road times, not sampled: they are compared by the size
  of the gap and the spread of the areas (the middle 80%), never with "chance". Modelled outcomes
  (below) are compared the same way. Counts with nothing
  to divide them by (such as admissions a year) are shown as counts, never rated better or worse.
- **Averages of a group**: {escape_markdown(weights_sentence(place))} Rates and percentages pool their numerators and
  denominators. Every page, slide, download and command uses the same figures.
- **Benchmarks are named for what they cover**: {escape_markdown(coverage)}
- **Funnel plots** show 95% and 99.8% control limits around the benchmark; when the spread
  between groups is larger than chance allows (over-dispersion), Spiegelhalter's adjustment widens
  them. A group outside the 99.8% limits is a *group unlike the rest* on the Postcode lottery page
  too: the same rule everywhere. Groups with fewer than 5 areas are not placed on the funnel.
- **Postcodes** are placed in the small area of their own council (the ONS postcode directory's),
  and small areas in the council their 2011 district became. Postcodes of Scotland, Northern
  Ireland, the Channel Islands and the Isle of Man are not placed.
- **Source defects**: areas whose road times are missing for some services, or far above all
  their neighbours', have their travel times withheld, with the reason, rather than shown.
- **Postcode lotteries** compare the areas touching a boundary on each side, against the differences
  between neighbouring areas on the same side (so smooth changes across the country are not mistaken
  for a boundary effect), controlling false discoveries across all boundaries tested (Benjamini–Hochberg).
- {OUTLIER_METHOD}
- **Two kinds of finding.** {escape_markdown(FAMILIES_EXPLAINED)}
- **Borders that coincide, and how sure a step is.** {escape_markdown(BORDERS_EXPLAINED)}
- **How findings are ranked.** {escape_markdown(RANKING_RULE)} {escape_markdown(STRONGEST_LEAVES_OUT)}
- **Error control across every indicator and boundary.** {escape_markdown(STORE_ERROR_CONTROL)}
- **Small numbers**: counts under 5 are suppressed in downloads.
"""
)

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
batch = None
if access.current().can_write:
    batch = st.file_uploader("File of postcodes", type=["csv", "xlsx"], key="batch_lookup")
else:  # a public dashboard takes no files from visitors; the command line does the same
    st.caption(
        "On this public dashboard, files are taken from signed-in officers only. The same "
        "lookup runs on any computer with `python -m insight lookup --file FILE.csv --out "
        "OUT.csv`."
    )
if batch is not None:
    try:
        table, column = loaders.lookup_file(place.id, batch.getvalue(), batch.name)
    except InsightError as error:
        st.error(str(error))
    else:
        placed = int((table["problem"] == "").sum())
        st.caption(f"{placed:,} of {len(table):,} postcodes placed (column {column!r}).")
        st.dataframe(table.head(20), hide_index=True)
        st.download_button(
            "Download the table (CSV)",
            lambda: files.to_csv(table, dependent_columns=[]),
            file_name="postcodes-placed.csv",
            mime="text/csv",
            on_click="ignore",
        )

st.header("Build report")
report = loaders.build_report(place)
if report:
    with st.expander("What was read, matched and repaired when this place was built"):
        st.code(report, language=None)
else:
    st.caption(
        "The demo place is built from packages; its checks are in the data-quality table above."
    )

st.header("Use your own data")
officer = access.current()
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
        st.success(
            f"Built **{escape_markdown(done.place.title)}** ({len(done.place.areas):,} areas)."
        )
        if done.scan_stopped:
            st.warning(escape_markdown(done.scan_stopped))
        st.code(done.report.as_text(), language=None)
        st.page_link(
            "pages/map.py", label="Open it on the map", query_params={"place": done.place.id}
        )
    except InsightError as error:
        st.error(escape_markdown(str(error)))
