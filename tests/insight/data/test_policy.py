"""Who may write, in which mode; allow-lists; titles that cannot pass for another place."""

from __future__ import annotations

import pytest

from insight.data import policy
from insight.errors import ConfigError

TITLES = {"demo": "England and Wales stroke services (demo)", "wards": "Northampton wards"}


@pytest.mark.parametrize(
    ("mode", "auth", "email", "logged_in", "address", "proxied", "can_write", "who"),
    [
        # officer mode, no sign-in: only an app nobody else can reach may write
        ("officer", False, None, False, "127.0.0.1", False, True, policy.THIS_COMPUTER),
        ("officer", False, None, False, "localhost", False, True, policy.THIS_COMPUTER),
        ("officer", False, None, False, "::1", False, True, policy.THIS_COMPUTER),
        ("officer", False, None, False, "", False, False, ""),  # Streamlit's default: all
        ("officer", False, None, False, "0.0.0.0", False, False, ""),
        ("officer", False, None, False, "192.168.1.10", False, False, ""),
        ("officer", False, None, False, "127.0.0.1", True, False, ""),  # behind a proxy
        # sign-in configured: only allow-listed, signed-in officers
        ("officer", True, None, False, "127.0.0.1", False, False, ""),
        ("officer", True, "ann@council.gov.uk", True, "0.0.0.0", True, True, "ann@council.gov.uk"),
        ("officer", True, "eve@evil.example", True, "127.0.0.1", False, False, ""),
        # public: visitors never write; allow-listed officers who sign in may
        ("public", False, None, False, "127.0.0.1", False, False, ""),
        ("public", True, None, False, "127.0.0.1", False, False, ""),
        ("public", True, "ann@council.gov.uk", True, "0.0.0.0", True, True, "ann@council.gov.uk"),
        ("public", True, "ann@council.gov.uk.evil.example", True, "0.0.0.0", True, False, ""),
    ],
)
def test_who_may_write(mode, auth, email, logged_in, address, proxied, can_write, who):
    access = policy.decide(
        mode,
        auth_configured=auth,
        email=email,
        logged_in=logged_in,
        allowed_domains=["council.gov.uk"],
        server_address=address,
        proxied=proxied,
    )
    assert (access.can_write, access.who) == (can_write, who)
    assert access.reason  # always a sentence for the page


def test_a_refused_officer_is_told_why():
    access = policy.decide(
        "public", auth_configured=True, email="eve@evil.example", logged_in=True,
        allowed_emails=["ann@council.gov.uk"],
    )  # fmt: skip
    assert "eve@evil.example is not on this dashboard's list of officers" in access.reason


@pytest.mark.parametrize(
    ("env", "secret", "mode"),
    [(None, None, "officer"), ("public", None, "public"), (" PUBLIC ", "officer", "public"),
     ("", "public", "public"), (None, "officer", "officer")],
)  # fmt: skip
def test_mode_comes_from_the_environment_then_secrets(env, secret, mode):
    assert policy.mode_from(env, secret) == mode


def test_a_mistyped_mode_is_refused_not_ignored():
    with pytest.raises(ConfigError, match="PLACE_INSIGHT_MODE is 'pubic'.*public"):
        policy.mode_from("pubic", None)


@pytest.mark.parametrize(
    "title",
    [
        "England and Wales stroke services",  # the demo without "(demo)"
        "england & wales stroke services (demo)",
        "England and Wa1es stroke services (dem0)",
        "Northampton wards",
        "Northampton  Wards.",
    ],
)
def test_look_alike_titles_are_refused(title):
    with pytest.raises(ConfigError, match="too like the title of place"):
        policy.check_new_place("new", title, TITLES)


def test_a_distinct_title_is_fine_and_a_place_may_keep_its_own():
    policy.check_new_place("new", "Kettering wards 2023", TITLES)
    policy.check_new_place("wards", "Northampton wards", TITLES)  # replacing itself


@pytest.mark.parametrize(
    "title",
    ["Еngland stroke", "<b>x</b>", "$x$", "a\u202eb", "x\u200by", "[x](http://evil.example)",
     "😀 wards", "T" * 101],
)  # fmt: skip
def test_titles_are_plain_names(title):
    with pytest.raises(ConfigError):
        policy.check_title(title)


def test_welsh_and_accented_titles_are_plain_names():
    assert policy.check_title("Ynys Môn and Rhondda Cynon Taf (2023)") == (
        "Ynys Môn and Rhondda Cynon Taf (2023)"
    )


def test_the_number_of_places_is_capped():
    limits = policy.Limits(places=1)
    with pytest.raises(ConfigError, match="already holds 1 places, its limit"):
        policy.check_new_place("another", "Kettering wards", TITLES, limits)


def test_replacing_needs_the_choice_and_a_signed_in_officer_for_someone_elses_place():
    mine = {"title": "W", "upload": {"by": "ann@council.gov.uk"}}
    with pytest.raises(ConfigError, match="already exists"):
        policy.check_replace("w", mine, "ann@council.gov.uk", False, True)
    policy.check_replace("w", mine, "ann@council.gov.uk", True, True)
    policy.check_replace("w", mine, "bob@council.gov.uk", True, True)  # explicit, signed in
    with pytest.raises(ConfigError, match="added by another officer"):
        policy.check_replace("w", mine, policy.THIS_COMPUTER, True, False)
    command_line = {"title": "W", "upload": {"by": policy.THIS_COMPUTER}}
    policy.check_replace("w", command_line, policy.THIS_COMPUTER, True, False)
