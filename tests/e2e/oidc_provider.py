"""A real OpenID Connect provider for the browser tests, on 127.0.0.1, built with Authlib.

It speaks the authorization-code flow that Streamlit's ``st.login`` uses (through Authlib's
own client): discovery document, an authorization page where the test types who signs in,
a token endpoint that checks the client, the code and the redirect URI and returns an ID
token signed with RS256 (Authlib's JOSE), its JSON Web Key Set, and userinfo. No internet,
no accounts: whoever the test types is who signs in, with ``email_verified`` true.

Nothing here is a test.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from authlib.jose import JsonWebKey, jwt

CLIENT_ID = "place-insight-test"
CLIENT_SECRET = secrets.token_urlsafe(24)


class Provider:
    """The provider's state: its signing key, clients and issued codes."""

    def __init__(self, port: int) -> None:
        self.issuer = f"http://127.0.0.1:{port}"
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "k1"})
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.sign_ins: list[str] = []  # who signed in, in order (for the test to check)

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "email", "email_verified", "name"],
        }

    def claims(self, email: str) -> dict:
        return {
            "sub": email,
            "email": email,
            "email_verified": True,
            "name": email.split("@")[0].title(),
        }

    def id_token(self, grant: dict) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 600,
            "auth_time": now,
            **self.claims(grant["email"]),
        }
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key)
        return token.decode() if isinstance(token, bytes) else token


def _handler(provider: Provider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes | str, kind: str = "application/json") -> None:
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def _json(self, status: int, value: dict) -> None:
            self._send(status, json.dumps(value))

        def _redirect(self, location: str) -> None:
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _form(self) -> dict[str, str]:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            return {k: v[0] for k, v in parse_qs(raw).items()}

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._json(200, provider.metadata())
            elif url.path == "/jwks":
                self._json(200, {"keys": [provider.key.as_dict(is_private=False)]})
            elif url.path == "/authorize":
                if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
                    self._send(400, "unknown client", "text/plain")
                    return
                hidden = "".join(
                    f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                    for k, v in query.items()
                )
                self._send(
                    200,
                    "<!doctype html><title>Council sign-in</title><h1>Council sign-in</h1>"
                    f'<form method="post" action="/authorize">{hidden}'
                    '<label>Email <input name="email" type="email" autocomplete="off"></label>'
                    '<button type="submit">Sign in</button></form>',
                    "text/html",
                )
            elif url.path == "/favicon.ico":
                self._send(204, b"", "image/x-icon")
            elif url.path == "/userinfo":
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                grant = provider.tokens.get(token)
                if grant is None:
                    self._json(401, {"error": "invalid_token"})
                else:
                    self._json(200, provider.claims(grant["email"]))
            else:
                self._send(404, "not found", "text/plain")

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            url = urlparse(self.path)
            form = self._form()
            if url.path == "/authorize":
                code = secrets.token_urlsafe(24)
                provider.codes[code] = {
                    "email": form.get("email", ""),
                    "nonce": form.get("nonce"),
                    "redirect_uri": form.get("redirect_uri"),
                    "client_id": form.get("client_id"),
                }
                provider.sign_ins.append(form.get("email", ""))
                target = form["redirect_uri"]
                params = {"code": code, "state": form.get("state", "")}
                self._redirect(f"{target}{'&' if '?' in target else '?'}{urlencode(params)}")
            elif url.path == "/token":
                client_id, client_secret = form.get("client_id"), form.get("client_secret")
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    decoded = base64.b64decode(basic[6:]).decode()
                    client_id, _, client_secret = decoded.partition(":")
                grant = provider.codes.pop(form.get("code", ""), None)
                if (
                    client_id != CLIENT_ID
                    or client_secret != CLIENT_SECRET
                    or grant is None
                    or grant["redirect_uri"] != form.get("redirect_uri")
                ):
                    self._json(400, {"error": "invalid_grant"})
                    return
                access = secrets.token_urlsafe(24)
                provider.tokens[access] = grant
                self._json(
                    200,
                    {
                        "access_token": access,
                        "token_type": "Bearer",
                        "expires_in": 600,
                        "scope": "openid email profile",
                        "id_token": provider.id_token(grant),
                    },
                )
            else:
                self._send(404, "not found", "text/plain")

    return Handler


@contextlib.contextmanager
def oidc_provider(port: int) -> Iterator[Provider]:
    """Serve a provider on ``127.0.0.1:port`` while the block runs."""
    provider = Provider(port)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(provider))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()


def secrets_toml(app_base: str, provider: Provider, mode: str, officers: list[str]) -> str:
    """A ``secrets.toml`` for an app at ``app_base`` signing in with ``provider``."""
    return f"""[place_insight]
mode = "{mode}"
officers = {json.dumps(officers)}

[auth]
redirect_uri = "{app_base.rstrip("/")}/oauth2callback"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{CLIENT_ID}"
client_secret = "{CLIENT_SECRET}"
server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"
"""
