"""The use cases, once, keyed by place id: what every front end (the app's pages, the
command line, the JSON API) asks of the engine.

Front ends call these functions and only format what they return; none of them reads the
findings store, works findings out or scans on its own. Each function takes ``places``, a
:class:`Places`: where the place and what is worked out from it come from, so that the
app answers from Streamlit's caches, the API from its process's and a command from what
it opened.

- :mod:`~insight.service.places`: open a place, its index and its findings store.
- :mod:`~insight.service.findings`: one pair's findings (store, else worked out; any
  period), and the strongest across every stored pair.
- :mod:`~insight.service.scanning`: scan what a store lacks, in this process or on Dask.
- :mod:`~insight.service.background`: a server's scan of what a store lacks, in the
  background, the pairs Home needs first, with its progress and the time left.
- :mod:`~insight.service.queries`: compare, inequality by deprivation, trend, lookup (one postcode or a file), penalty,
  exports.
- :mod:`~insight.service.areas`: an area's profile and nearest services, a group's
  neighbours, spine and series, where a postcode is.
- :mod:`~insight.service.maps`: an indicator's map, a finding's map, a map's average.
- :mod:`~insight.service.decks`: slides of findings and of a user's presentation, decks.
- :mod:`~insight.service.building`: build a place from uploads or a ``place.toml``, or the
  demo.
"""

from insight.service import background, building
from insight.service.areas import (
    area_codes,
    area_profile,
    area_trend,
    benchmark_coverages,
    benchmark_notes,
    build_report,
    default_group,
    deprivation_quantiles,
    elsewhere_by_area,
    group_trend,
    nation_note,
    nearest_services,
    postcode_pin,
    similar_groups,
    spine,
    touching,
)
from insight.service.decks import deck, deck_bytes, finding_slide, item_slide
from insight.service.findings import pair_findings, strongest_findings
from insight.service.maps import area_map, finding_map, map_average, selection_outline
from insight.service.places import (
    Places,
    demo_ready,
    list_places,
    open_place,
    place_content,
    place_version,
    problem_shown,
    read_stored,
    store_version,
)
from insight.service.queries import (
    compare_groups,
    compare_record,
    export,
    finding_record,
    grouping_record,
    inequality_record,
    inequality_result,
    json_safe,
    locate,
    lookup_chunks,
    lookup_csv,
    lookup_file,
    lookup_record,
    lookup_table,
    penalty_record,
    place_record,
    trend_record,
)
from insight.service.scanning import ScanOutcome, dask_client, default_workers, scan_place

__all__ = [
    "Places",
    "ScanOutcome",
    "area_codes",
    "area_map",
    "area_profile",
    "area_trend",
    "benchmark_coverages",
    "benchmark_notes",
    "build_report",
    "background",
    "building",
    "compare_groups",
    "compare_record",
    "dask_client",
    "deck",
    "deck_bytes",
    "default_group",
    "default_workers",
    "demo_ready",
    "deprivation_quantiles",
    "elsewhere_by_area",
    "export",
    "finding_map",
    "finding_record",
    "finding_slide",
    "group_trend",
    "grouping_record",
    "inequality_record",
    "inequality_result",
    "item_slide",
    "json_safe",
    "list_places",
    "locate",
    "lookup_chunks",
    "lookup_csv",
    "lookup_file",
    "lookup_record",
    "lookup_table",
    "map_average",
    "nation_note",
    "nearest_services",
    "open_place",
    "pair_findings",
    "penalty_record",
    "place_content",
    "place_record",
    "place_version",
    "postcode_pin",
    "problem_shown",
    "read_stored",
    "scan_place",
    "selection_outline",
    "similar_groups",
    "spine",
    "store_version",
    "strongest_findings",
    "touching",
    "trend_record",
]
