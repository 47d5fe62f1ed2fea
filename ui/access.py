"""Who is visiting, and what they may do: the facts from Streamlit, the rules from
:mod:`insight.data.policy`.

Settings, all optional, in ``.streamlit/secrets.toml`` (see the README, "Deploy a public
dashboard")::

    [place_insight]
    mode = "public"                       # or PLACE_INSIGHT_MODE=public in the environment
    officers = ["ann@council.gov.uk"]     # the allow-list: emails ...
    officer_domains = ["council.gov.uk"]  # ... and/or whole domains
    provider = "council"                  # which [auth.<provider>] to sign in with

    [auth]                                # Streamlit's own OpenID Connect sign-in (st.login)
    redirect_uri = "https://dashboard.example.gov.uk/oauth2callback"
    cookie_secret = "..."
    client_id = "..."
    client_secret = "..."
    server_metadata_url = "https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration"
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

from insight.data import policy
from insight.errors import ConfigError
from ui import upload_gate

#: Request headers a reverse proxy adds: their presence means other machines reach us.
PROXY_HEADERS = ("x-forwarded-for", "x-real-ip", "forwarded", "x-forwarded-host")
_DEFAULT_KEYS = ("client_id", "client_secret", "server_metadata_url")


def _secrets() -> dict[str, Any]:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets.toml, or one that is not TOML: no settings
        return {}


def settings() -> dict[str, Any]:
    """The ``[place_insight]`` table of the secrets (empty when there is none)."""
    section = _secrets().get("place_insight", {})
    return dict(section) if isinstance(section, Mapping) else {}


def provider() -> str | None:
    """The OpenID Connect provider to sign in with, or None when sign-in is not set up."""
    auth = _secrets().get("auth")
    if not isinstance(auth, Mapping) or not {"redirect_uri", "cookie_secret"} <= set(auth):
        return None
    chosen = settings().get("provider")
    if isinstance(chosen, str) and isinstance(auth.get(chosen), Mapping):
        return chosen
    if all(key in auth for key in _DEFAULT_KEYS):
        return "default"
    named = [key for key, value in auth.items() if isinstance(value, Mapping)]
    return named[0] if len(named) == 1 else None


def mode() -> str:
    """``public`` or ``officer`` (a mistyped mode is refused, see :func:`current`)."""
    return policy.mode_from(os.environ.get(policy.MODE_ENV), settings().get("mode"))


def _proxied() -> bool:
    try:
        names = {str(name).lower() for name in st.context.headers}
    except Exception:  # no request (a test run): nothing came through a proxy
        return False
    return any(header in names for header in PROXY_HEADERS)


def current() -> policy.Access:
    """What this visitor may do here (see :func:`insight.data.policy.decide`).

    A mode that is not ``public`` or ``officer`` fails closed: nobody writes, and the
    reason says what to fix. The decision also opens (or closes) Streamlit's upload route
    to this session (:mod:`ui.upload_gate`).
    """
    try:
        chosen = mode()
    except ConfigError as error:
        upload_gate.allow(False)
        return policy.Access("public", False, "", False, False, str(error))
    user = st.user
    logged_in = bool(user.get("is_logged_in"))
    email = user.get("email") if logged_in else None
    if logged_in and user.get("email_verified") is False:
        email = None  # an address the provider has not checked is no one's
    found = settings()
    decision = policy.decide(
        chosen,
        auth_configured=provider() is not None,
        email=str(email) if email else None,
        logged_in=logged_in,
        allowed_emails=policy.listed_names(found.get("officers")),
        allowed_domains=policy.listed_names(found.get("officer_domains")),
        server_address=st.get_option("server.address"),
        proxied=_proxied(),
    )
    # Streamlit's upload route takes files only from sessions that may write.
    upload_gate.allow(decision.can_write)
    return decision


def sign_in_button(label: str = "Sign in as an officer") -> None:
    """A button that starts Streamlit's OpenID Connect sign-in (when it is set up)."""
    chosen = provider()
    if chosen is None:
        return
    if chosen == "default":
        st.button(label, on_click=st.login, icon=":material/login:", key="sign_in")
    else:
        st.button(label, on_click=st.login, args=(chosen,), icon=":material/login:", key="sign_in")


def sign_out_button() -> None:
    """A button that signs the officer out (clears Streamlit's identity cookie)."""
    if st.user.get("is_logged_in"):
        st.button("Sign out", on_click=st.logout, icon=":material/logout:", key="sign_out")
