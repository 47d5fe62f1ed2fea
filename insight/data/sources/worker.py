"""Build an uploaded place in a process of its own: ``python -m insight.data.sources.worker JOB``.

:func:`insight.data.sources.uploads.build_from_uploads` starts this with a memory limit
and waits for it at most the time limit, so a file that would take minutes or gigabytes to
read stops this process, never the server. ``JOB`` is the upload's folder: ``sources/``
(the files and ``place.toml``) and ``job.json`` (who uploaded them, and the limits). The
place is written to ``JOB/built``; nothing outside ``JOB`` is written.

It talks to its parent in lines on standard output (:mod:`insight.data.bounded`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from insight.data import bounded
from insight.data.policy import Limits
from insight.data.sources.uploads import build_job


def main(argv: list[str]) -> int:
    """Build the job in ``argv[0]``; exit 0 with a ``result`` line, else 2-4 with an
    ``error`` line (:func:`insight.data.bounded.child`)."""
    job = Path(argv[0])
    settings = json.loads((job / "job.json").read_text(encoding="utf-8"))
    limits = Limits(**settings["limits"])
    return bounded.child(
        lambda progress: build_job(job, settings["upload"], limits, progress).as_dict()
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
