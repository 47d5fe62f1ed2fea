"""insight.service.findings: the findings a search keeps (the pages' filters, any front end)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from insight.service.findings import filter_findings, search_findings

TABLE = pd.DataFrame(
    {
        "kind": ["border", "funnel", "border"],
        "group_name": ["Leeds", "York", None],
        "other_name": ["Bradford", None, "Hull"],
        "sentence": ["People in Leeds wait longer.", "York admits more.", None],
    }
)


def test_filter_findings_keeps_the_kinds_chosen_and_the_text_searched_in_any_case():
    assert filter_findings(TABLE, ["border"], "").index.tolist() == [0, 2]
    assert filter_findings(TABLE, ["border", "funnel"], "  bradford ").index.tolist() == [0]
    assert filter_findings(TABLE, ["border", "funnel"], "ADMITS").index.tolist() == [1]
    assert filter_findings(TABLE, ["funnel"], "leeds").empty
    assert filter_findings(TABLE, [], "").empty


def test_search_findings_numbers_from_one_and_reads_where_each_finding_is():
    items = [
        SimpleNamespace(group_name="Leeds", other_name="", indicator="mt_minutes"),
        SimpleNamespace(group_name="York", other_name="Hull", indicator="ivt_minutes"),
    ]
    where = {"mt_minutes": "Thrombectomy by network", "ivt_minutes": "Clot-busting"}
    found = search_findings(items, "clot", lambda f: where[f.indicator])
    assert found == [(2, items[1])]
    assert [p for p, _ in search_findings(items, " ", lambda f: "")] == [1, 2]
    assert search_findings(items, "hull", lambda f: "") == [(2, items[1])]
