"""The findings scan: every indicator × grouping of a place, as independent tasks.

A scan works out :func:`insight.analysis.findings.findings` (with its defaults: what the
pages, slides, exports and ``python -m insight findings`` show) for every pair of an
indicator and a grouping, and turns each :class:`~insight.analysis.findings.Finding` into a
flat record for the findings store (:mod:`insight.data.findings_store`), and back.

Tasks run in this process, or on Dask: :func:`scan` takes an optional
``dask.distributed.Client`` (local worker processes or an existing cluster; the caller
makes it). A task is sent a :class:`PlaceSource`, a few bytes naming one version of the
place; each worker process loads that place once, keeps it (with its spatial index and the
the neighbour outliers of each indicator it has seen) for every later task, and sends back records,
never geometry. A task that fails returns its error with its indicator and grouping, so the
rest of the scan goes on.

The records of a pair are exactly its findings: :func:`findings_from_records` gives back
:class:`~insight.analysis.findings.Findings` equal, field by field and chart by chart, to
freshly worked out ones (``border_table``, every border tested, is not stored: no surface
shows it).
"""

from __future__ import annotations

import contextlib
import math
import os
import queue
import resource
import socket
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from insight import explain
from insight.analysis.benchmark import MIN_AREAS
from insight.analysis.findings import (
    FINDING_COLUMNS,
    PER_INDICATOR_KINDS,
    WHAT_IF_KINDS,
    Bar,
    Finding,
    FindingChart,
    Findings,
    Strongest,
    findings,
    local_outliers_of,
    strongest,
)
from insight.analysis.penalty import PENALTY_THRESHOLD
from insight.analysis.shared import Shared, baseline
from insight.analysis.trend import at_period
from insight.errors import DataError
from insight.model import Place
from insight.spatial.index import AreaIndex
from insight.stats import benjamini_hochberg

__all__ = [
    "ENGINE_VERSION",
    "STORE_SCHEMA",
    "PlaceSource",
    "ScanResult",
    "StoredFindings",
    "Task",
    "TaskResult",
    "finding_records",
    "findings_from_records",
    "link_same_steps",
    "run_task",
    "scan",
    "scan_tasks",
    "store_content",
    "store_q_values",
]

#: Bump when the findings engine changes what it finds or how it words it: every store
#: written by another revision is stale (and rescanned), never read.
# 6: penalty sentences at the indicator's decimals; 7: border robustness; 8: shared borders
# worded together; 9: what closing a gap means for people (opportunity); 10: areas unlike
# their neighbours by the neighbour-difference test
# 11: border findings give their step once deprivation is allowed for; 12: no negligible
# areas unlike their neighbours
# 13: no people counted for closing the gap of areas already better off
# 14: tested or what-if, rated, q-values across the store
ENGINE_REVISION = 14
#: The engine version a store is stamped with: the revision and the defaults it ran with.
ENGINE_VERSION = f"{ENGINE_REVISION};penalty>{PENALTY_THRESHOLD:g};min_areas={MIN_AREAS}"

Progress = Callable[[float, str], None]

_BAR = pa.struct(
    [("label", pa.string()), ("value", pa.float64()), ("role", pa.string()),
     ("lower", pa.float64()), ("upper", pa.float64())]
)  # fmt: skip
_GROUP = pa.struct([("code", pa.string()), ("name", pa.string()), ("value", pa.float64())])
_TYPES: dict[str, pa.DataType] = {
    "rank": pa.int64(), "tested": pa.bool_(), "rated": pa.bool_(),
    "store_q_value": pa.float64(),
    "effect": pa.float64(), "lower": pa.float64(), "upper": pa.float64(),
    "value": pa.float64(), "benchmark": pa.float64(), "areas": pa.int64(),
    "affected": pa.float64(), "score": pa.float64(), "p_value": pa.float64(),
    "q_value": pa.float64(), "then_effect": pa.float64(), "then_lower": pa.float64(),
    "then_upper": pa.float64(), "adjusted_effect": pa.float64(),
    "adjusted_lower": pa.float64(), "adjusted_upper": pa.float64(),
    "area_codes": pa.list_(pa.string()),
    "other_area_codes": pa.list_(pa.string()),
    "step": pa.float64(), "placebo_steps": pa.list_(pa.float64()),
    "placebo_share": pa.float64(), "ring_steps": pa.list_(pa.float64()),
    "shared_borders": pa.list_(pa.struct([("grouping", pa.string()), ("share", pa.float64())])),
    "same_steps": pa.list_(
        pa.struct([("grouping", pa.string()), ("group_code", pa.string()),
                   ("other_code", pa.string())])
    ),
    "opportunity": pa.float64(),
}  # fmt: skip
_CHART_FIELDS: tuple[tuple[str, pa.DataType], ...] = (
    ("chart_kind", pa.string()),
    ("chart_title", pa.string()),
    ("chart_unit", pa.string()),
    ("chart_bars", pa.list_(_BAR)),
    ("chart_reference_label", pa.string()),
    ("chart_reference_value", pa.float64()),
    ("chart_groups", pa.list_(_GROUP)),
)
#: Columns of the findings store: the pair and period ("" for the latest), every
#: :data:`FINDING_COLUMNS`, and the chart
#: (its bars and groups as lists of structs; null where a chart has no reference or groups).
STORE_SCHEMA = pa.schema(
    [("indicator", pa.string()), ("grouping", pa.string()), ("period", pa.string())]
    + [(c, _TYPES.get(c, pa.string())) for c in FINDING_COLUMNS]
    + list(_CHART_FIELDS)
)


# --------------------------------------------------------------------------------------
# Tasks
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Task:
    """One indicator × grouping to scan, in its latest period or an earlier one."""

    indicator: str
    grouping: str
    period: str = ""  # "": the latest (the values on the areas)

    @property
    def key(self) -> tuple[str, str, str]:
        """``(indicator, grouping, period)``, as a store's ``done()`` lists what it holds."""
        return (self.indicator, self.grouping, self.period)

    def __str__(self) -> str:
        pair = f"{self.indicator} × {self.grouping}"
        return f"{pair} × {self.period}" if self.period else pair


def scan_tasks(
    place: Place,
    indicators: Sequence[str] | None = None,
    groupings: Sequence[str] | None = None,
    *,
    periods: bool = True,
) -> list[Task]:
    """Every indicator × grouping to scan, indicator by indicator, in the place's order.

    ``None`` means every indicator (grouping). An indicator with several periods
    (:attr:`~insight.model.Indicator.periods`) is scanned in each: its latest period first,
    then the earlier ones, newest first (``periods=False``: the latest only).

    Raises
    ------
    DataError
        If an id is unknown (the message lists the place's ids).
    """
    chosen_indicators = list(place.indicators) if indicators is None else list(indicators)
    chosen_groupings = list(place.groupings) if groupings is None else list(groupings)
    for indicator_id in chosen_indicators:
        place.indicator(indicator_id)
    for grouping_id in chosen_groupings:
        place.grouping(grouping_id)
    order_i = {i: n for n, i in enumerate(place.indicators)}
    order_g = {g: n for n, g in enumerate(place.groupings)}
    tasks = []
    for i in sorted(dict.fromkeys(chosen_indicators), key=order_i.__getitem__):
        indicator = place.indicator(i)
        earlier = [p for p in reversed(indicator.periods) if p != indicator.period]
        for period in ["", *(earlier if periods else [])]:
            tasks += [
                Task(i, g, period)
                for g in sorted(dict.fromkeys(chosen_groupings), key=order_g.__getitem__)
            ]
    return tasks


# --------------------------------------------------------------------------------------
# Findings <-> records
# --------------------------------------------------------------------------------------


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def finding_records(found: Findings, period: str = "") -> list[dict[str, Any]]:
    """The findings as store records (:data:`STORE_SCHEMA`), best first; ``period`` is
    the earlier period they were worked out for ("" for the latest)."""
    records = []
    for item in found:
        record: dict[str, Any] = {
            "indicator": item.indicator,
            "grouping": item.grouping,
            "period": period,
        }
        record.update(item.record())
        record["benchmark"] = None if item.benchmark is None else float(item.benchmark)
        chart = item.chart
        record.update(
            chart_kind=chart.kind,
            chart_title=chart.title,
            chart_unit=chart.unit,
            chart_bars=[
                {
                    "label": b.label,
                    "value": float(b.value),
                    "role": b.role,
                    "lower": float(b.lower),
                    "upper": float(b.upper),
                }
                for b in chart.bars
            ],  # fmt: skip
            chart_reference_label=None if chart.reference is None else chart.reference[0],
            chart_reference_value=None if chart.reference is None else float(chart.reference[1]),
            chart_groups=None
            if chart.groups is None
            else [
                {
                    "code": None if pd.isna(c) else str(c),
                    "name": None if pd.isna(n) else str(n),
                    "value": float(v),
                }
                for c, n, v in chart.groups[["code", "name", "value"]].itertuples(index=False)
            ],  # fmt: skip
        )
        records.append(record)
    return records


def _chart(record: Mapping[str, Any]) -> FindingChart:
    groups = record["chart_groups"]
    reference = None
    if record["chart_reference_label"] is not None:
        reference = (record["chart_reference_label"], _float(record["chart_reference_value"]))
    return FindingChart(
        kind=record["chart_kind"],
        title=record["chart_title"],
        bars=tuple(
            Bar(b["label"], _float(b["value"]), b["role"], _float(b["lower"]), _float(b["upper"]))
            for b in record["chart_bars"] or ()
        ),
        reference=reference,
        groups=None
        if groups is None
        else pd.DataFrame(
            {
                "code": pd.Series([g["code"] for g in groups], dtype="str"),
                "name": pd.Series([g["name"] for g in groups], dtype="str"),
                "value": pd.Series([_float(g["value"]) for g in groups], dtype="float64"),
            }
        ),
        unit=record["chart_unit"],
    )


def findings_from_records(
    indicator: str, grouping: str, records: Iterable[Mapping[str, Any]]
) -> Findings:
    """The :class:`Findings` of one pair from its store records (see :func:`finding_records`)."""
    items = []
    for record in sorted(records, key=lambda r: r["rank"]):
        benchmark = record["benchmark"]
        items.append(
            Finding(
                rank=int(record["rank"]),
                kind=record["kind"],
                label=record["label"],
                indicator=indicator,
                grouping=grouping,
                group_code=record["group_code"],
                group_name=record["group_name"],
                other_code=record["other_code"],
                other_name=record["other_name"],
                effect=_float(record["effect"]),
                lower=_float(record["lower"]),
                upper=_float(record["upper"]),
                interval=record["interval"],
                value=_float(record["value"]),
                benchmark=None if benchmark is None else float(benchmark),
                benchmark_label=record["benchmark_label"],
                areas=int(record["areas"]),
                affected=_float(record["affected"]),
                affected_label=record["affected_label"],
                score=_float(record["score"]),
                p_value=_float(record["p_value"]),
                q_value=_float(record["q_value"]),
                sentence=record["sentence"],
                area_codes=tuple(record["area_codes"] or ()),
                other_area_codes=tuple(record["other_area_codes"] or ()),
                chart=_chart(record),
                then_period=record["then_period"] or "",
                then_effect=_float(record["then_effect"]),
                then_lower=_float(record["then_lower"]),
                then_upper=_float(record["then_upper"]),
                change=record["change"] or "",
                adjusted_effect=_float(record.get("adjusted_effect")),
                adjusted_lower=_float(record.get("adjusted_lower")),
                adjusted_upper=_float(record.get("adjusted_upper")),
                shared_borders=tuple(
                    (s["grouping"], _float(s["share"])) for s in record.get("shared_borders") or ()
                ),
                same_steps=tuple(
                    (s["grouping"], s["group_code"], s["other_code"])
                    for s in record.get("same_steps") or ()
                ),
                step=_float(record.get("step")),
                placebo_steps=tuple(_float(v) for v in record.get("placebo_steps") or ()),
                placebo_share=_float(record.get("placebo_share")),
                ring_steps=tuple(_float(v) for v in record.get("ring_steps") or ()),
                opportunity=_float(record.get("opportunity")),
                opportunity_label=record.get("opportunity_label") or "",
                tested=bool(record.get("tested", record["kind"] not in WHAT_IF_KINDS)),
                rated=bool(record.get("rated", True)),
                store_q_value=_float(record.get("store_q_value")),
            )  # fmt: skip
        )
    return Findings(indicator, grouping, tuple(items))


# --------------------------------------------------------------------------------------
# Running a task (in this process or on a Dask worker)
# --------------------------------------------------------------------------------------


class PlaceSource(Protocol):
    """What a task is given to open the place: small to send, loaded once per process.

    :class:`insight.data.catalogue.PlaceRef` is one (the place id and content hash).
    """

    @property
    def key(self) -> str:
        """Names the version of the place; a process keeps what it loaded under it."""
        ...  # pragma: no cover

    def load(self) -> Place:
        """Open that version of the place in this process."""
        ...  # pragma: no cover


@dataclass(frozen=True)
class TaskResult:
    """What one task sends back: records, or the error, and where and how long it ran.

    Attributes
    ----------
    indicator, grouping : str
        The pair.
    records : list of dict
        Its findings as store records (empty when it failed or found nothing).
    error : str or None
        ``"<ErrorType>: <message>"`` when the task failed.
    seconds : float
        Time the task took on its worker (loading the place included, when it did).
    worker : str
        ``host:pid`` of the process that ran it.
    loaded_place : bool
        Whether this task loaded the place (the first task of a worker process does).
    peak_mb : float
        Peak resident memory of that process so far, in MB.
    period : str
        The earlier period scanned ("" for the latest).
    tests : dict of str to int
        How many tests stood behind each tested kind (:attr:`Findings.tests`).
    cpu_seconds : float
        CPU time of the worker process (every thread) while the task ran: the cost of a
        pair on a machine busy with other work, where ``seconds`` also counts the waits.
    """

    indicator: str
    grouping: str
    records: list[dict[str, Any]] = field(repr=False)
    error: str | None
    seconds: float
    worker: str
    loaded_place: bool = False
    peak_mb: float = math.nan
    period: str = ""
    tests: dict[str, int] = field(default_factory=dict)
    cpu_seconds: float = math.nan

    @property
    def task(self) -> Task:
        """The task this is the result of."""
        return Task(self.indicator, self.grouping, self.period)

    @property
    def ok(self) -> bool:
        """True when the task did not fail."""
        return self.error is None


class _Working:
    """A worker process's copy of one version of a place, and what it worked out once."""

    #: Neighbour-outlier tables kept per process (tasks come indicator by indicator).
    OUTLIERS_KEPT = 4

    def __init__(self, key: str, place: Place) -> None:
        self.key = key
        self.place = place
        self.index = AreaIndex.for_place(place)
        # What pairs have in common (border shapes by grouping, penalties by service and
        # grouping...), for every later task; none for the benchmarks' baseline.
        self.shared = None if baseline() else Shared()
        self._outliers: OrderedDict[str, pd.DataFrame] = OrderedDict()
        self._lock = threading.Lock()

    def outliers(self, place: Place, indicator_id: str, period: str = "") -> pd.DataFrame:
        """Every area against its neighbours, for an indicator in a period (``place`` as it was then), as
        :func:`findings` works it out, once per process."""
        key = f"{indicator_id}\t{period}"
        with self._lock:
            if key in self._outliers:
                self._outliers.move_to_end(key)
                return self._outliers[key]
        table = local_outliers_of(place, place.indicator(indicator_id), self.index.contiguity)
        with self._lock:
            self._outliers[key] = table
            while len(self._outliers) > self.OUTLIERS_KEPT:
                self._outliers.popitem(last=False)
        return table


_working: dict[str, _Working] = {}
_working_lock = threading.Lock()


def _working_copy(source: PlaceSource) -> tuple[_Working, bool]:
    """This process's copy of the place ``source`` names, loading it on first use only."""
    key = source.key
    with _working_lock:  # a second thread of the same worker waits rather than loads again
        found = _working.get(key)
        if found is not None:
            return found, False
        working = _Working(key, source.load())
        _working.clear()  # one place per process: a new version replaces the old
        _working[key] = working
        return working, True


def release(key: str | None = None) -> bool:
    """Forget the place this process loaded for scanning (``key``: only that version).

    Returns whether anything was forgotten. A scan calls it on every worker of an existing
    cluster when it ends, so the cluster's memory is not held by a finished scan.
    """
    with _working_lock:
        if key is None or key in _working:
            had = bool(_working)
            _working.clear()
            return had
    return False


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_task(source: PlaceSource, indicator: str, grouping: str, period: str = "") -> TaskResult:
    """Work out the findings of one indicator × grouping (what a worker runs), in the
    indicator's latest period or the earlier ``period``.

    Never raises for a failure of the task itself: the error comes back in the result,
    with the pair, so the rest of the scan goes on.
    """
    start, cpu = time.perf_counter(), time.process_time()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    loaded = False
    try:
        working, loaded = _working_copy(source)
        place = at_period(working.place, indicator, period or None)
        place.grouping(grouping)
        shared = (
            None
            if place.indicator(indicator).within
            else working.outliers(place, indicator, period)
        )
        found = findings(
            place, indicator, grouping, index=working.index, outliers=shared,
            shared=working.shared,
        )  # fmt: skip
        records = finding_records(found, period)
        tests, error = dict(found.tests), None
    except Exception as failure:  # reported with its pair; the scan goes on
        records, tests, error = [], {}, f"{type(failure).__name__}: {failure}"
    return TaskResult(
        indicator, grouping, records, error, time.perf_counter() - start, worker, loaded,
        _peak_mb(), period, tests, time.process_time() - cpu,
    )  # fmt: skip


# --------------------------------------------------------------------------------------
# A scan
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanResult:
    """The results of a scan, in task order.

    Attributes
    ----------
    results : tuple of TaskResult
        One per task, in the order the tasks were given (whatever order they finished in).
    seconds : float
        Wall time of the whole scan.
    where : str
        ``"this process"``, or the Dask scheduler's address and its number of workers.
    """

    results: tuple[TaskResult, ...]
    seconds: float
    where: str

    @property
    def failures(self) -> list[TaskResult]:
        """The tasks that failed."""
        return [r for r in self.results if not r.ok]

    @property
    def records(self) -> list[dict[str, Any]]:
        """Every finding's record, pair by pair in task order, best first within a pair."""
        return [record for result in self.results for record in result.records]

    @property
    def workers(self) -> dict[str, int]:
        """How many tasks each worker process ran."""
        counts: dict[str, int] = {}
        for result in self.results:
            counts[result.worker] = counts.get(result.worker, 0) + 1
        return counts

    def findings(self, indicator: str, grouping: str, period: str = "") -> Findings:
        """The findings of one pair (in ``period``; "": the latest) scanned without error.

        Raises
        ------
        DataError
            If the pair was not scanned, or failed.
        """
        wanted = Task(indicator, grouping, period)
        for result in self.results:
            if result.task == wanted and result.ok:
                return findings_from_records(indicator, grouping, result.records)
        raise DataError(f"{wanted} was not scanned without error.")


def _failed(task: Task, error: BaseException | str, start: float) -> TaskResult:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return TaskResult(
        task.indicator, task.grouping, [], text, time.perf_counter() - start, "",
        period=task.period,
    )  # fmt: skip


def scan(
    source: PlaceSource,
    tasks: Sequence[Task],
    *,
    client: Any | None = None,
    progress: Progress | None = None,
) -> ScanResult:
    """Run every task, in this process or on a Dask cluster, and gather the results.

    Parameters
    ----------
    source : PlaceSource
        The version of the place to scan (e.g. :func:`insight.data.catalogue.place_ref`).
    tasks : sequence of Task
        What to scan (:func:`scan_tasks`).
    client : dask.distributed.Client, optional
        Run the tasks on this client's cluster (local worker processes or an existing
        cluster). Without one, they run here, one after another.
    progress : callable, optional
        ``progress(fraction, message)`` after each task.

    Returns
    -------
    ScanResult
        Every task's result in task order; failed tasks carry their error (a lost worker
        or scheduler too), the others their records.
    """
    report = progress or (lambda fraction, message: None)
    start = time.perf_counter()
    total = max(len(tasks), 1)
    by_task: dict[Task, TaskResult] = {}

    def finished(task: Task, result: TaskResult) -> None:
        by_task[task] = result
        state = "failed" if result.error else f"{len(result.records)} findings"
        report(len(by_task) / total, f"{len(by_task)}/{len(tasks)} {task}: {state}")

    if client is None:
        where = "this process"
        try:
            for task in tasks:
                finished(task, run_task(source, task.indicator, task.grouping, task.period))
        finally:
            release(source.key)  # this process goes on doing other things
    else:
        where = _describe(client)
        token = uuid.uuid4().hex[:8]
        done: queue.Queue = queue.Queue()
        pending: dict[str, Task] = {}
        futures = []
        for number, task in enumerate(tasks):
            future = client.submit(
                run_task, source, task.indicator, task.grouping, task.period, pure=False,
                key=f"scan-{task.indicator}-{task.grouping}-{number}-{token}",
            )  # fmt: skip
            pending[future.key] = task
            futures.append(future)
            future.add_done_callback(done.put)
        try:
            while pending:
                try:
                    future = done.get(timeout=1.0)
                except queue.Empty:
                    if client.status in ("closing", "closed"):
                        for task in pending.values():
                            finished(task, _failed(task, "lost the Dask scheduler", start))
                        break
                    continue
                task = pending.pop(future.key) if future.key in pending else None
                if task is None:
                    continue
                try:
                    result = future.result()
                except Exception as error:  # a worker died, the task was cancelled...
                    result = _failed(task, error, start)
                finished(task, result)
        finally:
            for future in futures:
                future.release()
            with contextlib.suppress(Exception):  # a cluster gone has nothing left to hold
                client.run(release, source.key)
    return ScanResult(
        tuple(by_task[t] for t in tasks if t in by_task), time.perf_counter() - start, where
    )


def _describe(client: Any) -> str:
    try:
        info = client.scheduler_info()
        return f"Dask at {client.scheduler.address} ({len(info.get('workers', {}))} workers)"
    except Exception:  # the description is only for people
        return "Dask"


# --------------------------------------------------------------------------------------
# The store's content, and reading it back
# --------------------------------------------------------------------------------------


def _task_entry(result: TaskResult) -> dict[str, Any]:
    return {
        "indicator": result.indicator,
        "grouping": result.grouping,
        "period": result.period,
        "status": "ok" if result.ok else "failed",
        "findings": len(result.records),
        "error": result.error,
        "tests": dict(result.tests),
    }


def store_content(
    place: Place, result: ScanResult, previous: Any | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Records and task list of the store after a scan, in the place's order.

    Pairs scanned now replace what ``previous`` (a current store, read with
    :func:`insight.data.findings_store.read_findings`, or None) had for them, except that a
    pair failing now keeps a good earlier result of the same version; pairs not scanned
    now are kept from ``previous``.

    Returns
    -------
    records : list of dict
        Every finding, pair by pair (indicator, then period, newest first, then grouping,
        in the place's order).
    tasks : list of dict
        ``indicator``, ``grouping``, ``period``, ``status``, ``findings``, ``error`` of
        every pair.
    """
    Key = tuple[str, str, str]
    entries: dict[Key, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    if previous is not None:
        rows: dict[Key, list[dict[str, Any]]] = {}
        for record in previous.table.to_pylist():
            key = (record["indicator"], record["grouping"], record.get("period") or "")
            rows.setdefault(key, []).append(record)
        for task in previous.tasks:
            key = (task["indicator"], task["grouping"], task.get("period") or "")
            entries[key] = ({**task, "period": key[2]}, rows.get(key, []))
    for item in result.results:
        key = (item.indicator, item.grouping, item.period)
        earlier = entries.get(key)
        if not item.ok and earlier is not None and earlier[0]["status"] == "ok":
            continue
        entries[key] = (_task_entry(item), item.records)
    order_i = {i: n for n, i in enumerate(place.indicators)}
    order_g = {g: n for n, g in enumerate(place.groupings)}
    order_p = {
        i: {p: n for n, p in enumerate(["", *reversed(place.indicators[i].periods)])}
        for i in place.indicators
    }
    known = [k for k in entries if k[0] in order_i and k[1] in order_g and k[2] in order_p[k[0]]]
    known.sort(key=lambda k: (order_i[k[0]], order_p[k[0]][k[2]], order_g[k[1]]))
    # copies: the store-wide q-values belong to the store, not to the scan's results
    records = link_same_steps(place, [dict(r) for pair in known for r in entries[pair][1]])
    tasks = [entries[pair][0] for pair in known]
    store_q_values(records, tasks)
    return records, tasks


def store_q_values(records: list[dict[str, Any]], tasks: Sequence[Mapping[str, Any]]) -> int:
    """Set every record's ``store_q_value``: the error control across the whole store.

    Benjamini-Hochberg over every test of the store's latest period: the ``m`` of the
    procedure is the number of tests behind every indicator × grouping (each task's
    ``tests``; the areas tested for being unlike their neighbours once per indicator, as
    every grouping repeats them), and the p-values ranked are those of the stored tested
    findings (a finding about the same areas of an indicator counted once). The tests a
    store does not keep (those that found nothing) rank after them, which can only raise
    the q-values (:func:`insight.stats.benjamini_hochberg`): the control stays valid.
    What-ifs, earlier periods and gaps that have closed get NaN.

    Parameters
    ----------
    records : list of dict
        The store's records (:func:`finding_records`), changed in place.
    tasks : sequence of dict
        The store's task entries, with ``tests``.

    Returns
    -------
    int
        ``m``, the number of tests across the store.

    Examples
    --------
    >>> records = [{"kind": "border", "period": "", "p_value": 0.001, "indicator": "i",
    ...             "grouping": "g", "area_codes": ["a"], "change": ""}]
    >>> store_q_values(records, [{"period": "", "status": "ok", "indicator": "i",
    ...                           "tests": {"border": 20}}])
    20
    >>> round(records[0]["store_q_value"], 3)
    0.02
    """
    per_pair = 0
    per_indicator: dict[str, int] = {}
    for task in tasks:
        if task.get("period") or task.get("status") != "ok":
            continue
        for kind, count in (task.get("tests") or {}).items():
            if kind in PER_INDICATOR_KINDS:
                per_indicator[task["indicator"]] = max(
                    per_indicator.get(task["indicator"], 0), count
                )
            else:
                per_pair += int(count)
    tests = per_pair + sum(per_indicator.values())
    distinct: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for record in records:
        record["store_q_value"] = math.nan
        tested = record.get("tested", record["kind"] not in WHAT_IF_KINDS)
        tested = tested and record.get("change") != "closed"
        p = _float(record.get("p_value"))
        if record.get("period") or not tested or not math.isfinite(p):
            continue
        if record["kind"] in PER_INDICATOR_KINDS:
            key: tuple[Any, ...] = (
                record["indicator"],
                record["kind"],
                tuple(record["area_codes"]),
            )
        else:
            key = (id(record),)
        distinct.setdefault(key, []).append(record)
    if not distinct:
        return tests
    groups = list(distinct.values())
    p_values = [min(_float(r["p_value"]) for r in group) for group in groups]
    q_values = np.asarray(benjamini_hochberg(p_values, tests=max(tests, len(p_values))))
    for group, q in zip(groups, q_values, strict=True):
        for record in group:
            record["store_q_value"] = float(q)
    return tests


def link_same_steps(place: Place, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records with each border finding linked to the same step found in other groupings.

    A step at a border that coincides with a border of another grouping (that grouping is
    in the finding's ``shared_borders``) is the same step as that grouping's border finding
    of the same indicator and period when the two have touching areas in common on both
    sides, the worse-off side with the worse-off side. Such a finding gets ``same_steps``
    (grouping id, group code, other code of each) and a sentence saying so
    (:func:`insight.explain.same_step_sentence`). Links from an earlier call are dropped
    first, so a store rewritten after a partial rescan is linked afresh. Closed gaps are
    not linked. Records that change are copies; the others are returned as they are.
    """
    borders: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for record in records:
        if record["kind"] == "border" and record.get("change") != "closed":
            borders.setdefault((record["indicator"], record["period"]), []).append(record)
    changed: dict[int, dict[str, Any]] = {}
    for group in borders.values():
        for record in group:
            base = record
            if record.get("same_steps"):  # linked before: back to the finding's own sentence
                sentence = record["sentence"]
                cut = sentence.rfind(" " + explain.SAME_STEP_OPENING)
                base = {**record, "same_steps": [], "sentence": sentence[:cut]}
            shared = [s["grouping"] for s in record.get("shared_borders") or ()]
            sides = set(record["area_codes"] or ()), set(record["other_area_codes"] or ())
            same = [
                other
                for grouping in shared
                for other in group
                if other["grouping"] == grouping
                and sides[0] & set(other["area_codes"] or ())
                and sides[1] & set(other["other_area_codes"] or ())
            ]
            if same:
                words = [
                    (o["group_name"], o["other_name"], _grouping_words(place, o["grouping"]))
                    for o in same
                ]
                base = {
                    **base,
                    "same_steps": [
                        {
                            "grouping": o["grouping"],
                            "group_code": o["group_code"],
                            "other_code": o["other_code"],
                        }
                        for o in same
                    ],  # fmt: skip
                    "sentence": f"{base['sentence']} {explain.same_step_sentence(words)}",
                }
            if base is not record:
                changed[id(record)] = base
    return [changed.get(id(record), record) for record in records]


def _grouping_words(place: Place, grouping: str) -> str:
    found = place.groupings.get(grouping)
    return grouping if found is None else explain.grouping_words(found)


@dataclass(frozen=True)
class _Ranked:
    """What :func:`insight.analysis.findings.strongest` and its ranking rule read of a
    stored finding (the same names as :class:`Finding`'s), without the rest of it."""

    COLUMNS = (
        "indicator", "grouping", "period", "rank", "kind", "change", "rated", "tested",
        "store_q_value", "area_codes", "group_code", "other_code", "effect", "opportunity",
        "score", "areas", "affected",
    )  # fmt: skip

    indicator: str
    grouping: str
    rank: int
    kind: str
    change: str
    rated: bool
    tested: bool
    store_q_value: float
    area_codes: tuple[str, ...]
    group_code: str
    other_code: str
    effect: float
    opportunity: float
    score: float
    areas: int
    affected: float

    counted = Finding.counted

    @classmethod
    def from_columns(cls, columns: Mapping[str, list[Any]], row: int) -> _Ranked:
        """Row ``row`` of a store's columns, read as :func:`findings_from_records` reads it."""
        kind = columns["kind"][row]
        return cls(
            indicator=columns["indicator"][row],
            grouping=columns["grouping"][row],
            rank=int(columns["rank"][row]),
            kind=kind,
            change=columns["change"][row] or "",
            rated=bool(columns["rated"][row]),
            tested=bool(columns["tested"][row]),
            store_q_value=_float(columns["store_q_value"][row]),
            area_codes=tuple(columns["area_codes"][row] or ()),
            group_code=columns["group_code"][row],
            other_code=columns["other_code"][row],
            effect=_float(columns["effect"][row]),
            opportunity=_float(columns["opportunity"][row]),
            score=_float(columns["score"][row]),
            areas=int(columns["areas"][row]),
            affected=_float(columns["affected"][row]),
        )


def _rank_of(item: _Ranked) -> int:
    return item.rank


class StoredFindings:
    """The findings of a current store, as :class:`Findings`, pair by pair.

    Parameters
    ----------
    stored : StoredTable
        A current store (:func:`insight.data.findings_store.read_findings`): anything with
        ``done()`` (the pairs scanned without error) and ``rows(indicator, grouping)``.

    Each pair is turned into :class:`Findings` once and kept; the objects are shared, not
    copied, so callers must not change them.
    """

    def __init__(self, stored: Any) -> None:
        self.stored = stored
        self._done: set[tuple[str, str, str]] = stored.done()
        self._made: dict[tuple[str, str, str], Findings] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._done)

    def latest(self) -> list[Finding]:
        """Every finding of the latest period of every pair held, pair by pair in the
        place's order (what :func:`insight.analysis.findings.strongest` ranks)."""
        every: list[Finding] = []
        for task in self.stored.tasks:
            if task["status"] != "ok" or task.get("period"):
                continue
            found = self.findings(task["indicator"], task["grouping"])
            every += found.items if found is not None else ()
        return every

    def strongest(self, top: int | None = None) -> Strongest:
        """The strongest findings across every pair held
        (:func:`insight.analysis.findings.strongest`, over :meth:`latest`).

        With ``top``, the ranking runs over what it reads of each stored finding
        (:class:`_Ranked`, read column by column) and only the ``top`` found are made into
        :class:`Finding`: the same findings, in the same order, as without it (Home after a
        restart asks for three, and need not make the store's thousands first).
        """
        pairs = len({(i, g) for i, g, period in self._done if not period})
        ranked = None if top is None else self._ranked()
        if ranked is None:
            return strongest(self.latest(), top=top, pairs=pairs)
        # _Ranked has every attribute strongest() and ranking_key() read of a Finding
        found = strongest(cast("list[Finding]", ranked), top=top, pairs=pairs)
        items = []
        for light in found.items:
            made = self.findings(light.indicator, light.grouping)
            assert made is not None  # every _Ranked is of a pair held
            items.append(next(f for f in made.items if f.rank == light.rank))
        return Strongest(tuple(items), found.alpha, found.held_back, found.pairs)

    def _ranked(self) -> list[_Ranked] | None:
        """What the ranking reads of every finding of :meth:`latest`, in the same order
        (None when the store lacks a column it needs: an older store is ranked in full)."""
        table = self.stored.table
        if not set(_Ranked.COLUMNS) <= set(table.column_names):
            return None
        columns = {name: table[name].to_pylist() for name in _Ranked.COLUMNS}
        by_pair: dict[tuple[str, str], list[_Ranked]] = {}
        for row in range(table.num_rows):
            if columns["period"][row]:
                continue
            light = _Ranked.from_columns(columns, row)
            by_pair.setdefault((light.indicator, light.grouping), []).append(light)
        every: list[_Ranked] = []
        for task in self.stored.tasks:
            if task["status"] != "ok" or task.get("period"):
                continue
            every += sorted(by_pair.get((task["indicator"], task["grouping"]), ()), key=_rank_of)
        return every

    def findings(self, indicator: str, grouping: str, period: str = "") -> Findings | None:
        """The pair's findings in ``period`` ("": the latest), or None when the store does
        not hold them."""
        key = (indicator, grouping, period)
        if key not in self._done:
            return None
        with self._lock:
            made = self._made.get(key)
        if made is None:
            made = findings_from_records(indicator, grouping, self.stored.rows(*key))
            with self._lock:
                self._made[key] = made
        return made
