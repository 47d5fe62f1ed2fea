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
- :mod:`~insight.service.queries`: compare, inequality by deprivation, trend, lookup (one postcode or a file), penalty,
  exports.
- :mod:`~insight.service.building`: build a place from uploads or a ``place.toml``, or the
  demo.
"""

from insight.service import building
from insight.service.findings import pair_findings, strongest_findings
from insight.service.places import Places, list_places, open_place, read_stored
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
    "building",
    "compare_groups",
    "compare_record",
    "dask_client",
    "default_workers",
    "export",
    "finding_record",
    "grouping_record",
    "inequality_record",
    "inequality_result",
    "json_safe",
    "list_places",
    "locate",
    "lookup_chunks",
    "lookup_csv",
    "lookup_file",
    "lookup_record",
    "lookup_table",
    "open_place",
    "pair_findings",
    "penalty_record",
    "place_record",
    "read_stored",
    "scan_place",
    "strongest_findings",
    "trend_record",
]
