"""Work that the findings of different pairs of one place have in common, done once.

The findings of an indicator × grouping (:func:`insight.analysis.findings.findings`) need
things that depend on the grouping alone (the rings of areas along each border, the other
boundaries running along it, the boundary penalties of a service) or on the indicator
alone. A scan works out every pair of a place: a :class:`Shared` kept by each worker
process (:mod:`insight.analysis.scan`) lets every pair use what an earlier pair of that
place worked out, instead of working it out again. Results are the same either way: what
is kept is exactly what would have been worked out (tests compare the two on whole
places).

``PLACE_INSIGHT_SCAN_BASELINE=1`` in the environment turns the sharing off (every pair
works everything out, as before this module existed), and
``PLACE_INSIGHT_SCAN_REFERENCE=1`` puts back the border engine that tests border by
border (:meth:`insight.analysis.borders._BorderEngine._border_reference`, before the
tests were prepared once per shape and weights and their variances worked out together):
the benchmarks measure the scan both ways in the same run (``bench/run.py``,
``bench/bench_scan.py``), and the tests compare the findings of both.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np

__all__ = ["BASELINE_ENV", "REFERENCE_ENV", "Shared", "baseline", "fingerprint", "reference"]

T = TypeVar("T")

#: Environment variable that turns sharing off (the benchmarks' baseline): "1".
BASELINE_ENV = "PLACE_INSIGHT_SCAN_BASELINE"


def baseline() -> bool:
    """Whether sharing is turned off (``PLACE_INSIGHT_SCAN_BASELINE=1``)."""
    return os.environ.get(BASELINE_ENV) == "1"


#: Environment variable that puts back the per-border engine (the benchmarks' reference): "1".
REFERENCE_ENV = "PLACE_INSIGHT_SCAN_REFERENCE"


def reference() -> bool:
    """Whether the border engine works border by border, as before
    (``PLACE_INSIGHT_SCAN_REFERENCE=1``)."""
    return os.environ.get(REFERENCE_ENV) == "1"


def fingerprint(*arrays: np.ndarray) -> str:
    """A short digest of arrays' contents, shapes and types: a key for work done on them.

    Examples
    --------
    >>> fingerprint(np.arange(3)) == fingerprint(np.arange(3))
    True
    >>> fingerprint(np.arange(3)) == fingerprint(np.arange(3.0))
    False
    """
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.view(np.uint8).reshape(-1).data if array.size else b"")
    return digest.hexdigest()


class Shared:
    """What findings of one place worked out, kept by key for the pairs after.

    Parameters
    ----------
    kept : int
        Most entries kept; the least recently used goes first.

    Examples
    --------
    >>> shared = Shared()
    >>> shared.get(("answer",), lambda: 42)
    42
    >>> shared.get(("answer",), lambda: 0)  # kept: not worked out again
    42
    """

    def __init__(self, kept: int = 256) -> None:
        self.kept = kept
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The entry under ``key``, made with ``make()`` (and kept) on first use."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.kept:
                self._entries.popitem(last=False)
        return value
