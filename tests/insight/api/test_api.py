"""The JSON API on the real demo: its numbers are the command line's (the same service
functions), its schema describes every field, and hostile requests get a 4xx JSON answer
with the fix, never a 5xx, a traceback or a path."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from insight.analysis import scan
from insight.analysis.findings import FINDING_COLUMNS
from insight.api import API_PREFIX, MAX_TOP, create_app
from insight.cli import main
from insight.data import findings_store
from insight.data.catalogue import place_ref

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
INDICATORS = ["admissions", "ivt_minutes", "mt_minutes", "outcome_lvo", "outcome_nlvo",
              "ivt_penalty_icb", "ivt_penalty_isdn", "mt_penalty_icb", "mt_penalty_isdn"]  # fmt: skip
GROUPINGS = ["lad", "county", "lad11", "subicb", "icb", "isdn", "ambulance"]
V1 = f"{API_PREFIX}/places/demo"


@pytest.fixture(scope="module")
def client(demo_place) -> TestClient:
    # raise_server_exceptions=False: a 500 is seen as the client sees it, not raised here.
    return TestClient(create_app(), raise_server_exceptions=False)


def cli_json(capsys, *argv: str):
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def get(client: TestClient, url: str, **params):
    answer = client.get(url, params=params)
    assert answer.status_code == 200, answer.text[:500]
    return answer.json()


def test_the_demo_has_the_indicators_and_groupings_checked(client) -> None:
    place = get(client, V1)
    assert [i["id"] for i in place["indicators"]] == INDICATORS
    assert [g["id"] for g in place["groupings"]] == GROUPINGS
    assert get(client, f"{V1}/indicators") == place["indicators"]
    assert get(client, f"{API_PREFIX}/places")[0] == {"id": "demo", "title": place["title"]}
    icb = get(client, f"{V1}/groupings/icb")
    assert icb["groups"] == len(icb["members"]) == 42 + 7  # England's ICBs, Wales' boards


@pytest.mark.parametrize("indicator", INDICATORS)
def test_compare_is_the_command_lines_for_every_indicator_and_grouping(
    client, capsys, indicator
) -> None:
    for grouping in GROUPINGS:
        api = get(client, f"{V1}/compare", indicator=indicator, grouping=grouping)
        cli = cli_json(capsys, "compare", "--indicator", indicator, "--grouping", grouping,
                       "--json")  # fmt: skip
        assert api == {**cli, "method": None, "variables": None, "comparators": None}
    # One group and those touching it: the Compare page's default, both ways.
    api = get(client, f"{V1}/compare", indicator=indicator, grouping="lad", group="E06000062")
    cli = cli_json(capsys, "compare", "--indicator", indicator, "--grouping", "lad",
                   "--group", "E06000062", "--json")  # fmt: skip
    assert api["groups"] == cli["groups"] and len(cli["groups"]) > 3


@pytest.mark.parametrize(
    ("indicator", "grouping"),
    [("mt_minutes", "isdn"), ("admissions", "lad"), ("ivt_minutes", "icb")],
)
def test_findings_of_a_pair_are_the_command_lines(client, capsys, indicator, grouping) -> None:
    api = get(client, f"{V1}/findings", indicator=indicator, grouping=grouping, top=MAX_TOP)
    cli = cli_json(capsys, "findings", "--indicator", indicator, "--grouping", grouping,
                   "--format", "json")  # fmt: skip
    assert api["total"] == len(cli) and cli  # top caps what is sent, never the total
    assert [{k: row[k] for k in FINDING_COLUMNS} for row in api["findings"]] == cli[:MAX_TOP]
    assert {(row["indicator"], row["grouping"]) for row in api["findings"]} == {
        (indicator, grouping)
    }
    top = get(client, f"{V1}/findings", indicator=indicator, grouping=grouping, top=1)
    assert top["findings"] == api["findings"][:1] and top["total"] == api["total"]


def test_findings_across_pairs_are_the_strongest_as_findings_all_prints_them(
    demo_copy, demo_place
) -> None:
    """Without a pair, the strongest findings across every pair the store holds: the rows
    and order of ``findings --all``."""
    pairs = [("mt_minutes", "isdn"), ("ivt_minutes", "lad")]
    ref = place_ref("demo")
    result = scan.scan(ref, [scan.Task(*pair) for pair in pairs])
    records, entries = scan.store_content(demo_place, result)
    findings_store.write_findings(
        "demo", content_hash=ref.content_hash, engine=scan.ENGINE_VERSION, records=records,
        tasks=entries, schema=scan.STORE_SCHEMA,
    )  # fmt: skip
    client = TestClient(create_app(), raise_server_exceptions=False)
    every = get(client, f"{V1}/findings", top=MAX_TOP)
    stored = scan.StoredFindings(findings_store.read_findings("demo", engine=scan.ENGINE_VERSION))
    best = stored.strongest()
    assert every["total"] == len(best) > 0
    rows = every["findings"]
    assert [r["position"] for r in rows] == list(range(1, len(rows) + 1))
    assert [(r["indicator"], r["grouping"], r["rank"]) for r in rows] == [
        (f.indicator, f.grouping, f.rank) for f in best.items[: len(rows)]
    ]
    tested = [r["tested"] for r in rows]
    assert tested == sorted(tested, reverse=True)  # tested differences before what-ifs
    assert len(get(client, f"{V1}/findings", top=3)["findings"]) == 3


def test_trend_and_lookup_are_the_command_lines(client, capsys) -> None:
    page = get(client, f"{V1}/trend", indicator="mt_minutes", offset=5, limit=3)
    assert page["total_areas"] == 34753 and len(page["areas"]) == 3
    for area in page["areas"]:
        cli = cli_json(capsys, "trend", "--indicator", "mt_minutes", "--area",
                       area["area_code"], "--json")  # fmt: skip
        assert [area] == cli["areas"] and page["benchmark"] == cli["benchmark"]
        one = get(client, f"{V1}/trend", indicator="mt_minutes", area=area["area_code"])
        assert one["areas"] == [area]
    api = get(client, f"{V1}/lookup/nn1 1aa")
    cli = cli_json(capsys, "lookup", "NN1 1AA", "--json")
    assert api == cli


def test_the_schema_describes_every_field_and_parameter(client) -> None:
    schema = get(client, f"{API_PREFIX}/openapi.json")
    for name, model in schema["components"]["schemas"].items():
        if name in ("HTTPValidationError", "ValidationError"):
            continue  # FastAPI's own, never answered (errors are ErrorAnswer)
        for field, spec in model.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{field} has no description"
    for path, operations in schema["paths"].items():
        assert path.startswith(API_PREFIX)
        assert set(operations) == {"get"}, f"{path} answers more than GET"
        for parameter in operations["get"].get("parameters", []):
            assert parameter.get("description"), f"{path} {parameter['name']}"


HOSTILE = [
    "/api/v1/places/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/places/demo%00",
    "/api/v1/places/%2e%2e",
    "/api/v1/places/" + "x" * 5000,
    "/api/v1/places/demo'%20OR%201=1--",
    "/api/v1/places/demo/groupings/..%2F..%2Fplace.json",
    "/api/v1/places/demo/groupings/icb%00",
    "/api/v1/places/demo/compare",
    "/api/v1/places/demo/compare?indicator=mt_minutes",
    "/api/v1/places/demo/compare?indicator=../../etc/passwd&grouping=lad",
    "/api/v1/places/demo/compare?indicator=mt_minutes&grouping=lad;DROP%20TABLE%20areas",
    "/api/v1/places/demo/compare?indicator=mt_minutes&grouping=lad&group=%00",
    "/api/v1/places/demo/compare?indicator=mt_minutes&grouping=lad&group=" + "E" * 5000,
    "/api/v1/places/demo/compare?indicator=__class__&grouping=__dict__",
    "/api/v1/places/demo/findings?top=100000000000000000000000",
    "/api/v1/places/demo/findings?top=-1",
    "/api/v1/places/demo/findings?top=0",
    "/api/v1/places/demo/findings?top=1e9",
    "/api/v1/places/demo/findings?top=nan",
    "/api/v1/places/demo/findings?indicator=mt_minutes",
    "/api/v1/places/demo/findings?period=2019",
    "/api/v1/places/demo/findings?indicator=mt_minutes&grouping=isdn&period=1066",
    "/api/v1/places/demo/trend?indicator=mt_minutes&limit=100000",
    "/api/v1/places/demo/trend?indicator=mt_minutes&offset=-5",
    "/api/v1/places/demo/trend?indicator=mt_minutes&area=../../x",
    "/api/v1/places/demo/trend",
    "/api/v1/places/demo/lookup/' OR '1'='1",
    "/api/v1/places/demo/lookup/%00",
    "/api/v1/places/demo/lookup/" + "A" * 300,
    "/api/v1/places/demo/lookup/ZZ99%209ZZ",
    "/api/v1/places/demo/lookup/<script>alert(1)<%2Fscript>",
    "/api/v1/../../etc/passwd",
    "/api/v2/places",
    "/static/../pyproject.toml",
    "/api/v1/docs",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_requests_get_a_4xx_json_answer_with_the_fix(client, url) -> None:
    answer = client.get(url)
    assert 400 <= answer.status_code < 500, (url, answer.status_code, answer.text[:300])
    error = answer.json()["error"]
    assert error["status"] == answer.status_code and error["message"] and error["fix"]
    for secret in ("Traceback", str(ROOT), "/root", "site-packages", 'File "'):
        assert secret not in answer.text
    assert len(answer.text) < 5000  # no echo of a huge input


def test_unknown_ids_are_answered_with_the_values_allowed(client) -> None:
    answer = client.get(f"{V1}/compare", params={"indicator": "mt", "grouping": "lad"})
    assert answer.status_code == 422 and answer.json()["error"]["allowed"] == INDICATORS
    answer = client.get(f"{API_PREFIX}/places/nowhere")
    assert answer.status_code == 404 and answer.json()["error"]["allowed"] == ["demo"]
    answer = client.get(f"{V1}/groupings/wards")
    assert answer.status_code == 404 and answer.json()["error"]["allowed"] == GROUPINGS


def test_only_get_and_no_cors_unless_configured(client, monkeypatch) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        answer = client.request(method, f"{API_PREFIX}/places")
        assert answer.status_code == 405 and answer.json()["error"]["fix"] == "Use GET."
    answer = client.get(f"{API_PREFIX}/places", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers
    monkeypatch.setenv("PLACE_INSIGHT_API_CORS", "https://council.example")
    allowed = TestClient(create_app()).get(
        f"{API_PREFIX}/places", headers={"Origin": "https://council.example"}
    )
    assert allowed.headers["access-control-allow-origin"] == "https://council.example"


def test_a_place_not_built_is_a_503_that_says_who_builds_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    answer = TestClient(create_app(), raise_server_exceptions=False).get(V1)
    assert answer.status_code == 503
    assert "python -m insight build" in answer.json()["error"]["fix"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_api_serves_the_api(demo_place, capsys) -> None:
    assert main(["serve-api", "--port", "0"]) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "insight", "serve-api", "--port", str(port)], cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}{API_PREFIX}/places", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None
                time.sleep(0.3)
        assert answer.status_code == 200 and answer.json()[0]["id"] == "demo"
        assert "server" not in answer.headers  # no server banner
    finally:
        server.terminate()
        server.wait(timeout=30)
