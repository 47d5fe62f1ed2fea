"""The axe-core audit of a page (WCAG 2.2 A and AA rules), through axe-playwright-python.

axe-core is bundled in the package (no download at run time). Nothing here is a test.
"""

from __future__ import annotations

import json

from axe_playwright_python.sync_playwright import Axe
from harness import ARTIFACTS

#: The rules run: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Violations that fail a test; minor and moderate ones are recorded in the report.
FAILING_IMPACTS = ("serious", "critical")

_AXE = Axe()


def audit(page, name: str) -> list[dict]:
    """Run axe on ``page`` (a Playwright page), save the report, return the failing violations.

    The report of every violation, whatever its impact, goes to
    ``tests/artifacts/axe-<name>.json`` (rule, impact, help, and where on the page).
    """
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    violations = _AXE.run(page, options=options).response["violations"]
    report = [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "html": n["html"][:300], "summary": n["failureSummary"]}
                for n in v["nodes"]
            ],
        }
        for v in violations
    ]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return [v for v in report if v["impact"] in FAILING_IMPACTS]


def describe(violations: list[dict]) -> str:
    """The failing violations in a few lines, for an assertion message."""
    return "\n".join(
        f"{v['impact']} {v['rule']}: {v['help']} at {v['nodes'][0]['target']} "
        f"({len(v['nodes'])} places): {v['nodes'][0]['html'][:160]}"
        for v in violations
    )
