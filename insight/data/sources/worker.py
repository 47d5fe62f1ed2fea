"""Build an uploaded place in a process of its own: ``python -m insight.data.sources.worker JOB``.

:func:`insight.data.sources.uploads.build_from_uploads` starts this with a memory limit
and waits for it at most the time limit, so a file that would take minutes or gigabytes to
read stops this process, never the server. ``JOB`` is the upload's folder: ``sources/``
(the files and ``place.toml``) and ``job.json`` (who uploaded them, and the limits). The
place is written to ``JOB/built``; nothing outside ``JOB`` is written.

It talks to its parent in lines on standard output::

    progress 0.35 Reading indicators (fingertips_export.csv)
    result {...the build report...}
    error {"type": "DataError", "message": "..."}
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path

from insight.data.policy import Limits
from insight.data.sources.uploads import build_job
from insight.errors import InsightError


def _say(kind: str, text: str) -> None:
    print(f"{kind} {text}", flush=True)


def main(argv: list[str]) -> int:
    """Build the job in ``argv[0]``; exit 0 with a ``result`` line, else 2 with an ``error``."""
    job = Path(argv[0])
    settings = json.loads((job / "job.json").read_text(encoding="utf-8"))
    limits = Limits(**settings["limits"])

    def progress(fraction: float, message: str) -> None:
        _say("progress", f"{fraction:.3f} {' '.join(str(message).split())[:120]}")

    try:
        report = build_job(job, settings["upload"], limits, progress)
    except InsightError as error:
        _say("error", json.dumps({"type": type(error).__name__, "message": str(error)}))
        return 2
    except MemoryError:
        _say("error", json.dumps({"type": "MemoryError", "message": ""}))
        return 3
    except Exception as error:  # reported to the officer in a sentence; details on stderr
        traceback.print_exc(file=sys.stderr)
        _say(
            "error",
            json.dumps({"type": type(error).__name__, "message": f"{type(error).__name__}."}),
        )
        return 4
    _say("result", json.dumps(report.as_dict(), default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
