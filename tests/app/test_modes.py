"""Public and officer modes through AppTest: who sees the upload form, and what they are told.

The facts (secrets, the signed-in user) are set on the AppTest; the rules are those of
``insight.data.policy`` (unit-tested in ``tests/insight/data/test_policy.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzzing import problems
from streamlit.testing.v1 import AppTest

from insight.data.store import data_dir, place_dir
from insight.explain import PLACE_UNAVAILABLE, WORD_JOINER

APP = str(Path(__file__).resolve().parents[2] / "app.py")
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "not-a-secret-for-tests",
    "client_id": "place-insight",
    "client_secret": "test",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
OFFICERS = {"officers": ["ann@council.gov.uk"], "officer_domains": ["county.gov.uk"]}
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", autouse=True)
def built(demo_place):
    return demo_place


def data_page(secrets: dict | None = None, user: dict | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    if secrets:
        app.secrets = secrets
    app.user = user or {}
    app.switch_page("pages/data.py")
    return app.run()


def text(app: AppTest) -> str:
    """What the page says, as read (escapes and the joiners that stop autolinks removed)."""
    shown = " ".join(m.value for m in [*app.markdown, *app.caption])
    return shown.replace("\\", "").replace(WORD_JOINER, "")


def test_officer_machine_without_sign_in_may_upload():
    app = data_page()
    assert not app.exception
    assert app.get("file_uploader"), "no upload form on the officer's own machine"


def test_public_mode_has_no_upload_form_and_says_how_officers_sign_in():
    app = data_page({"place_insight": {"mode": "public"}})
    assert not app.exception
    assert not app.get("file_uploader")
    assert not [b for b in app.button if b.label == "Check and build"]
    assert "visitors can read everything but change nothing" in text(app)


def test_public_mode_with_sign_in_offers_the_button_and_no_form():
    app = data_page({"place_insight": {"mode": "public", **OFFICERS}, "auth": AUTH})
    assert not app.get("file_uploader")
    assert [b for b in app.button if b.label == "Sign in as an officer"]
    assert "Officers sign in with their council account" in text(app)


@pytest.mark.parametrize("email", ["ann@council.gov.uk", "bob@county.gov.uk"])
def test_an_allow_listed_officer_who_signed_in_may_upload(email):
    app = data_page(
        {"place_insight": {"mode": "public", **OFFICERS}, "auth": AUTH},
        {"is_logged_in": True, "email": email},
    )
    assert not app.exception
    assert app.get("file_uploader")
    assert f"Signed in as {email}" in text(app)
    assert not problems(app), problems(app)
    assert [b for b in app.button if b.label == "Sign out"]


def test_a_signed_in_account_off_the_list_is_refused_and_told_why():
    app = data_page(
        {"place_insight": {"mode": "public", **OFFICERS}, "auth": AUTH},
        {"is_logged_in": True, "email": "eve@evil.example"},
    )
    assert not app.get("file_uploader")
    assert "eve@evil.example is not on this dashboard's list of officers" in text(app)
    assert not problems(app), problems(app)  # the address is not a mailto: link


def test_an_unverified_email_is_no_one():
    app = data_page(
        {"place_insight": {"mode": "officer", **OFFICERS}, "auth": AUTH},
        {"is_logged_in": True, "email": "ann@council.gov.uk", "email_verified": False},
    )
    assert not app.get("file_uploader")


def test_a_mistyped_mode_fails_closed():
    app = data_page({"place_insight": {"mode": "pubic"}})
    assert not app.exception
    assert not app.get("file_uploader")
    assert "not a mode of Place Insight" in text(app)


def test_public_mode_never_builds_the_demo_for_a_visitor(tmp_path, monkeypatch):
    monkeypatch.setenv("PLACE_INSIGHT_DATA", str(tmp_path))
    monkeypatch.setenv("PLACE_INSIGHT_MODE", "public")
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception
    said = " ".join(i.value for i in app.info).replace("\\", "")
    assert "not ready on this server" in said and "python -m" not in said  # no admin command
    assert list(tmp_path.iterdir()) == []  # nothing written because of a visitor


def test_a_damaged_place_shows_no_server_path_or_command(ward_place):
    pointer = place_dir(ward_place.id) / "CURRENT"
    saved = pointer.read_bytes()
    pointer.write_text("not a version")
    try:
        for secrets in ({"place_insight": {"mode": "public"}}, None):
            app = AppTest.from_file(APP, default_timeout=120)
            if secrets:
                app.secrets = secrets
            app.query_params["place"] = ward_place.id
            app.run()
            assert not app.exception, app.exception
            shown = " ".join(str(e.value) for e in [*app.error, *app.markdown, *app.caption])
            shown = shown.replace("\\", "")
            assert str(data_dir().resolve()) not in shown, shown
            if secrets:  # a visitor: what happened, in words; no file, no command
                assert PLACE_UNAVAILABLE in shown, shown
                assert "CURRENT" not in shown and "python -m" not in shown, shown
            else:  # the officer's own machine: which file, and the fix
                assert "CURRENT is damaged" in shown, shown
    finally:
        pointer.write_bytes(saved)
