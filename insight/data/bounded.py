"""Work on an officer's files in a process of its own, bounded in time and memory.

An upload's build (:mod:`insight.data.sources.worker`) and the scans of an uploaded place
(:mod:`insight.service.scan_worker`: after the build, and a pair opened later that its
findings store lacks) run in ``python -m <module> ...``, started by :func:`run`: the child's
resident memory is watched and the child is stopped when it passes
:attr:`~insight.data.policy.Limits.memory_bytes` or runs longer than
:attr:`~insight.data.policy.Limits.seconds`. A file that would take minutes or gigabytes
stops that process, never the server.

The child talks to its parent in lines on standard output (:func:`child`)::

    progress 0.35 Reading indicators (fingertips_export.csv)
    result {...}
    error {"type": "DataError", "message": "..."}
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from insight.data.policy import Limits
from insight.errors import InsightError, LimitError

__all__ = ["child", "resident_bytes", "run"]

Progress = Callable[[float, str], None]

ROOT = Path(__file__).resolve().parents[2]
#: How often the child's memory is read while it works.
POLL_SECONDS = 0.2
#: Address space a child may map beyond ``Limits.memory_bytes`` before the kernel refuses
#: more (the backstop for an allocation faster than the watch): the libraries alone map
#: ~1.8 GB that is never resident (thread arenas, reserved stacks, shared libraries).
ADDRESS_SPACE_ALLOWANCE = 4 * 1024**3


def run(
    module: str,
    args: Sequence[str],
    limits: Limits,
    progress: Progress | None,
    *,
    too_slow: str,
    too_big: Callable[[int | None], str],
) -> dict[str, Any]:
    """Run ``python -m module *args`` within ``limits``; return what it said.

    Parameters
    ----------
    module : str
        The child's module (its ``main`` uses :func:`child`).
    args : sequence of str
        Its arguments.
    limits : Limits
        ``seconds`` and ``memory_bytes`` (None: no limit).
    progress : callable, optional
        ``progress(fraction, message)``, called on this thread as the child reports.
    too_slow : str
        The message when the time limit stops the child.
    too_big : callable
        The message when the memory limit stops it: ``too_big(None)`` when it was seen over
        the limit, ``too_big(exit_status)`` when it ended without a word (the kernel's
        refusal of memory is the likely cause).

    Returns
    -------
    dict
        ``{"result": ...}`` or ``{"error": {"type": ..., "message": ...}}``.

    Raises
    ------
    LimitError
        The child went over a limit (it was stopped, with every process it started).

    Examples
    --------
    >>> run("insight.data.sources.worker", [str(job)], Limits(), None,
    ...     too_slow="...", too_big=lambda status: "...")  # doctest: +SKIP
    {'result': {...}}
    """
    process = subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=None,  # the server's log: details an officer's message leaves out
        text=True,
        start_new_session=True,  # its own process group, so a timeout stops all of it
        preexec_fn=_limit_memory(limits.memory_bytes),  # noqa: PLW1509 - only setrlimit
    )
    outcome: dict[str, Any] = {}
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:  # in a thread, so the wait below can time out
        for line in process.stdout or ():
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    deadline = None if limits.seconds is None else time.monotonic() + limits.seconds
    try:
        while True:
            timeout = POLL_SECONDS
            if deadline is not None:
                timeout = max(0.0, min(timeout, deadline - time.monotonic()))
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                line = ""
            if line is None:
                break
            kind, _, rest = line.rstrip("\n").partition(" ")
            if kind == "progress" and progress is not None:
                fraction, _, message = rest.partition(" ")
                with contextlib.suppress(Exception):  # a progress bar must not stop the work
                    progress(float(fraction), message)
            elif kind in ("result", "error"):
                outcome[kind] = json.loads(rest)
            if (
                limits.memory_bytes is not None
                and resident_bytes(process.pid) > limits.memory_bytes
            ):
                raise LimitError(too_big(None))
            if deadline is not None and time.monotonic() > deadline:
                raise LimitError(too_slow)
    except BaseException:  # over a limit, or the caller gone: stop the whole group
        _kill(process)
        raise
    process.wait()
    if outcome:
        return outcome
    raise LimitError(too_big(process.returncode))


def child(work: Callable[[Progress], Any]) -> int:
    """Run ``work(progress)`` in a child of :func:`run` and report on standard output.

    Returns the exit status: 0 with a ``result`` line (``work``'s JSON-able answer), else 2
    (one of our errors), 3 (out of memory) or 4 (anything else; the traceback goes to
    standard error, the server's log) with an ``error`` line.
    """

    def say(kind: str, text: str) -> None:
        print(f"{kind} {text}", flush=True)

    def progress(fraction: float, message: str) -> None:
        say("progress", f"{fraction:.3f} {' '.join(str(message).split())[:120]}")

    try:
        answer = work(progress)
    except InsightError as error:
        say("error", json.dumps({"type": type(error).__name__, "message": str(error)}))
        return 2
    except MemoryError:
        say("error", json.dumps({"type": "MemoryError", "message": ""}))
        return 3
    except Exception as error:  # reported to the officer in a sentence; details on stderr
        traceback.print_exc(file=sys.stderr)
        say(
            "error",
            json.dumps({"type": type(error).__name__, "message": f"{type(error).__name__}."}),
        )
        return 4
    say("result", json.dumps(answer, default=str))
    return 0


def resident_bytes(pid: int) -> int:
    """Memory the process ``pid`` holds (its resident set), or 0 where it cannot be read.

    The limit is on resident memory, not address space: a child maps ~1.8 GB of libraries
    and reserved arenas before it reads a byte, so an address-space limit alone would stop
    honest work and, set low, leaves the interpreter failing inside its own imports.
    """
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def _limit_memory(memory_bytes: int | None) -> Callable[[], None] | None:
    """A backstop in the child: the kernel refuses address space far beyond the limit."""
    if memory_bytes is None:
        return None
    ceiling = memory_bytes + ADDRESS_SPACE_ALLOWANCE

    def apply() -> None:
        try:
            import resource  # noqa: PLC0415 - POSIX only, and only in the child

            resource.setrlimit(resource.RLIMIT_AS, (ceiling, ceiling))
        except (ImportError, ValueError, OSError):
            pass

    return apply


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    process.wait()
