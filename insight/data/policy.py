"""Who may change places, and within what limits: the rules of the two modes, in plain Python.

Place Insight runs in one of two modes:

``officer`` (the default)
    One officer's own machine, or a council's internal server. Writing (uploading, replacing
    a place) needs a signed-in officer on the allow-list when sign-in is configured; with no
    sign-in configured, only when the server listens on the loopback address and the request
    did not come through a proxy (nobody else can reach it).
``public``
    A public dashboard. Visitors only read: no upload form, no place created, replaced or
    deleted. Officers who sign in (and are on the allow-list) may still upload.

This module decides (:func:`decide`); :mod:`ui.access` gathers the facts from Streamlit
(secrets, the signed-in user, the server address) and asks it. It also holds the limits
of an upload (:class:`Limits`) and the rules for place ids, titles and replacing a place,
so that the command line, the upload form and the tests share them.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from insight.errors import AccessError, ConfigError
from insight.model import THIS_COMPUTER

MODES = ("officer", "public")
DEFAULT_MODE = "officer"
MODE_ENV = "PLACE_INSIGHT_MODE"


MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one build may read and spend. Every refusal names the limit and the fix.

    Attributes
    ----------
    file_bytes : int
        Largest single file.
    total_bytes : int
        All the files of one upload together.
    files : int
        Most files in one upload.
    places : int
        Most places (besides the demo) on the server.
    expanded_bytes : int
        Largest size once expanded: all entries of a zip (or an ``.xlsx``), or a Parquet
        file's columns uncompressed. Checked from the file's headers, before expanding it.
    archive_entries : int
        Most files inside one zip.
    rows, columns : int
        Most rows and columns of one table (areas, lookup, indicators, services).
    periods : int
        Most periods of one indicator, in any format (each period of each indicator is
        scanned for every boundary: this bounds the scan that follows a build).
    seconds : float or None
        Longest a build may run (None: no limit; the command line).
    memory_bytes : int or None
        Most resident memory a build may use (None: no limit; the command line). The
        build's worker is stopped when its resident set passes this; its address space is
        capped, as a backstop, 4 GB above it.
    name_chars : int
        Longest name of an area, group or service kept (longer ones are cut, and reported).
    title_chars : int
        Longest place title.
    """

    file_bytes: int = 50 * MB
    total_bytes: int = 100 * MB
    files: int = 12
    places: int = 50
    expanded_bytes: int = 200 * MB
    archive_entries: int = 100
    rows: int = 250_000
    columns: int = 500
    periods: int = 100
    seconds: float | None = 180.0
    memory_bytes: int | None = 3 * 1024 * MB
    name_chars: int = 200
    title_chars: int = 100

    def as_dict(self) -> dict:
        """The limits as a plain dict (for a build in another process)."""
        return dict(self.__dict__)


#: Limits of an upload through the Data and methods page.
UPLOAD_LIMITS = Limits()
#: Limits of ``python -m insight build`` on an officer's own machine: the same header checks
#: (no file can exhaust memory before it is read), with room for national files and no clock.
COMMAND_LINE_LIMITS = replace(
    UPLOAD_LIMITS,
    file_bytes=2048 * MB,
    total_bytes=8192 * MB,
    files=10_000,
    places=10_000,
    expanded_bytes=4096 * MB,
    archive_entries=1_000,
    rows=3_000_000,
    columns=2_000,
    periods=10_000,
    seconds=None,
    memory_bytes=None,
)


def mode_from(env_value: str | None, secrets_value: object | None) -> str:
    """The mode: ``PLACE_INSIGHT_MODE`` first, then ``[place_insight] mode`` in secrets.

    Raises
    ------
    ConfigError
        For a value that is not a mode (a typo must not silently open a public server).

    Examples
    --------
    >>> mode_from(None, None)
    'officer'
    >>> mode_from("Public", None)
    'public'
    >>> mode_from(None, "public")
    'public'
    """
    for where, value in ((MODE_ENV, env_value), ("[place_insight] mode", secrets_value)):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        mode = str(value).strip().lower()
        if mode not in MODES:
            raise ConfigError(
                f"{where} is {str(value)[:40]!r}, which is not a mode of Place Insight. "
                f"Use one of: {', '.join(MODES)} (public: visitors read only)."
            )
        return mode
    return DEFAULT_MODE


def is_loopback(address: str | None) -> bool:
    """Whether a server address only accepts connections from this machine.

    An empty address means every interface (Streamlit's own default), so it is not loopback.

    Examples
    --------
    >>> [is_loopback(a) for a in ("127.0.0.1", "::1", "localhost", "", "0.0.0.0", None)]
    [True, True, True, False, False, False]
    """
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    if address.startswith("unix://"):
        return True  # a socket file: only this machine can open it
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def email_allowed(email: str | None, emails: Iterable[str], domains: Iterable[str]) -> bool:
    """Whether ``email`` is on the allow-list: listed itself, or its domain is.

    Domains match exactly (``council.gov.uk`` does not admit ``evil-council.gov.uk`` or
    ``council.gov.uk.evil.example``). Case does not matter.

    Examples
    --------
    >>> email_allowed("Ann@Council.gov.uk", [], ["council.gov.uk"])
    True
    >>> email_allowed("ann@evilcouncil.gov.uk", [], ["council.gov.uk"])
    False
    >>> email_allowed("bob@example.org", ["bob@example.org"], [])
    True
    >>> email_allowed("", [], [""])
    False
    """
    if not email or email.count("@") != 1:
        return False
    address = email.strip().lower()
    local, _, domain = address.partition("@")
    if not local or not domain:
        return False
    allowed_emails = {e.strip().lower() for e in emails if e and e.strip()}
    allowed_domains = {d.strip().lower().lstrip("@") for d in domains if d and d.strip()}
    return address in allowed_emails or domain in allowed_domains


@dataclass(frozen=True)
class Access:
    """What the current visitor may do, and why (for the Data and methods page).

    Attributes
    ----------
    mode : str
        ``officer`` or ``public``.
    can_write : bool
        May upload and replace places.
    who : str
        The officer's email when signed in, else :data:`THIS_COMPUTER` or ``""``.
    signed_in : bool
        Signed in through OpenID Connect (and on the allow-list).
    sign_in_available : bool
        Sign-in is configured, so a sign-in button can be offered.
    reason : str
        A sentence for people: why writing is or is not allowed, and what to do.
    """

    mode: str
    can_write: bool
    who: str
    signed_in: bool
    sign_in_available: bool
    reason: str


def listed_names(value: Any) -> list[str]:
    """The names a setting lists (``officers``, ``officer_domains`` in the app's secrets):
    one name, or a list of them; anything else lists none.

    Examples
    --------
    >>> listed_names("a@council.gov.uk"), listed_names(["x", 2]), listed_names(None)
    (['a@council.gov.uk'], ['x', '2'], [])
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return []


def decide(
    mode: str,
    *,
    auth_configured: bool,
    email: str | None,
    logged_in: bool,
    allowed_emails: Iterable[str] = (),
    allowed_domains: Iterable[str] = (),
    server_address: str | None = None,
    proxied: bool = False,
) -> Access:
    """Whether this visitor may write, in ``mode``.

    Parameters
    ----------
    mode : str
        ``officer`` or ``public``.
    auth_configured : bool
        OpenID Connect sign-in is configured (``[auth]`` in ``secrets.toml``).
    email : str or None
        The signed-in user's email (None when not signed in).
    logged_in : bool
        The user has signed in with the provider.
    allowed_emails, allowed_domains : iterable of str
        The allow-list (``[place_insight] officers`` and ``officer_domains``).
    server_address : str or None
        ``server.address`` (loopback means only this machine can connect).
    proxied : bool
        The request came through a reverse proxy (``X-Forwarded-For`` and the like), so
        people on other machines reach this server even when it listens on loopback.

    Examples
    --------
    >>> decide("officer", auth_configured=False, email=None, logged_in=False,
    ...        server_address="127.0.0.1").can_write
    True
    >>> decide("officer", auth_configured=False, email=None, logged_in=False,
    ...        server_address="0.0.0.0").can_write
    False
    >>> decide("public", auth_configured=False, email=None, logged_in=False,
    ...        server_address="127.0.0.1").can_write
    False
    >>> decide("public", auth_configured=True, email="a@c.gov.uk", logged_in=True,
    ...        allowed_domains=["c.gov.uk"]).can_write
    True
    """
    if mode not in MODES:
        raise ConfigError(f"Mode {mode!r} is not one of: {', '.join(MODES)}.")
    if auth_configured and logged_in:
        if email_allowed(email, allowed_emails, allowed_domains):
            return Access(
                mode, True, str(email), True, True, f"Signed in as {email}: you can add places."
            )
        return Access(
            mode,
            False,
            "",
            False,
            True,
            f"{email or 'This account'} is not on this dashboard's list of officers, so it "
            "cannot add or change places. Sign out, or ask the dashboard's administrator to "
            "add your email or your council's domain.",
        )
    if auth_configured:
        return Access(
            mode,
            False,
            "",
            False,
            True,
            "Officers sign in with their council account to add or replace places.",
        )
    if mode == "public":
        return Access(
            mode,
            False,
            "",
            False,
            False,
            "This is a public dashboard: visitors can read everything but change nothing. "
            "Officers add places with the command line on the server, or once sign-in is "
            "set up (see the README, 'Deploy a public dashboard').",
        )
    if is_loopback(server_address) and not proxied:
        return Access(
            mode,
            True,
            THIS_COMPUTER,
            False,
            False,
            "This app only listens on this computer, so you can add places without signing in.",
        )
    return Access(
        mode,
        False,
        "",
        False,
        False,
        "Adding places is switched off: this server can be reached from other computers and "
        "no sign-in is set up. Set up officer sign-in, or run it on your own computer only "
        '(server.address = "127.0.0.1").',
    )


def require_write(access: Access) -> None:
    """Raise :class:`~insight.errors.AccessError` with the reason unless ``access`` may write."""
    if not access.can_write:
        raise AccessError(access.reason)


# --------------------------------------------------------------------------------------
# Place titles: plain names that cannot pass for another place
# --------------------------------------------------------------------------------------

#: Punctuation a place title may hold besides letters, digits and spaces.
TITLE_PUNCTUATION = "'’-,.&()/:"
_CONFUSABLE = str.maketrans({"0": "o", "1": "l", "i": "l", "5": "s", "|": "l"})


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN ")


def check_title(title: str, limits: Limits = UPLOAD_LIMITS, where: str = "[place] title") -> str:
    """Return ``title`` tidied (spaces collapsed), or refuse it with the reason and the fix.

    A title is a plain name: letters of the Latin alphabet (accents and Welsh letters
    included), digits, spaces and ``' - , . & ( ) / :``. That rules out look-alike letters
    from other alphabets, invisible and direction-changing characters, and Markdown or HTML.

    Examples
    --------
    >>> check_title("  Northamptonshire   wards ")
    'Northamptonshire wards'
    >>> check_title("Ynys Môn wards (2023)")
    'Ynys Môn wards (2023)'
    >>> check_title("<b>Wards</b>")
    Traceback (most recent call last):
    ...
    insight.errors.ConfigError: [place] title '<b>Wards</b>' has '<', ...
    """
    if not isinstance(title, str):
        raise ConfigError(f"{where} must be text, not {type(title).__name__}.")
    tidy = " ".join(title.split())
    if not tidy:
        raise ConfigError(f'{where} is empty; give the place a name, e.g. title = "My wards".')
    if len(tidy) > limits.title_chars:
        raise ConfigError(
            f"{where} is {len(tidy):,} characters long; keep it to {limits.title_chars} "
            f'(e.g. title = "{tidy[:40].strip()}").'
        )
    for char in tidy:
        if char.isdigit() and char.isascii():
            continue
        if char == " " or char in TITLE_PUNCTUATION or _is_latin_letter(char):
            continue
        shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
        raise ConfigError(
            f"{where} {tidy[:60]!r} has {shown}, which a place title cannot hold. Use letters, "
            f"digits, spaces and {' '.join(TITLE_PUNCTUATION)} only, e.g. "
            f'title = "{_plain(tidy) or "My wards"}".'
        )
    if not any(_is_latin_letter(c) for c in tidy):
        raise ConfigError(f'{where} {tidy!r} has no letters; e.g. title = "My wards".')
    return tidy


def _plain(text: str) -> str:
    kept = "".join(
        c
        if (c.isascii() and c.isalnum())
        or c == " "
        or c in TITLE_PUNCTUATION
        or _is_latin_letter(c)
        else " "
        for c in text
    )
    return " ".join(kept.split())[:60]


def title_key(title: str) -> str:
    """What a title looks like to a hurried reader: accents, case, spacing, punctuation and
    easily confused characters (0/o, 1/l/i, 5/s) removed.

    Examples
    --------
    >>> title_key("England & Wales stroke services (DEMO)") == title_key("england and wales stroke services demo")
    False
    >>> title_key("Ynys Môn") == title_key("ynys mon")
    True
    >>> title_key("St0ke W1lls") == title_key("stoke wills")
    True
    """
    decomposed = unicodedata.normalize("NFKD", title)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = stripped.casefold().translate(_CONFUSABLE)
    return re.sub(r"[^0-9a-z]+", "", folded)


def lookalike(title: str, others: Mapping[str, str]) -> str | None:
    """The id of a place in ``others`` (id to title) whose title ``title`` could pass for.

    Two titles are look-alikes when their :func:`title_key` is the same, differs by a few
    characters (over 85% alike), or one holds the other whole (for keys of 12 characters
    and more, so "Wards" can live beside "Northamptonshire wards").

    Examples
    --------
    >>> lookalike("England and Wales stroke services", {"demo": "England and Wales stroke services (demo)"})
    'demo'
    >>> lookalike("Northamptonshire wards", {"demo": "England and Wales stroke services (demo)"}) is None
    True
    """
    key = title_key(title)
    for other_id, other_title in others.items():
        other = title_key(other_title)
        if not key or not other:
            continue
        shorter, longer = sorted((key, other), key=len)
        if (
            key == other
            or (len(shorter) >= 12 and shorter in longer)
            or difflib.SequenceMatcher(None, key, other).ratio() >= 0.85
        ):
            return other_id
    return None


def check_new_place(
    place_id: str,
    title: str,
    places: Mapping[str, str],
    limits: Limits = UPLOAD_LIMITS,
) -> None:
    """Refuse a title that could pass for another place, or a new place over the cap.

    Parameters
    ----------
    place_id, title : str
        The place being built.
    places : mapping of str to str
        Every place on the server (id to title), the demo included.
    limits : Limits
        For the most places a server holds.

    Raises
    ------
    ConfigError
        A look-alike title (the other place named), or too many places.
    """
    others = {pid: t for pid, t in places.items() if pid != place_id}
    twin = lookalike(title, others)
    if twin is not None:
        raise ConfigError(
            f"[place] title {title!r} is too like the title of place {twin!r} "
            f"({others[twin]!r}): people could take one for the other. Choose a title that "
            "says whose data this is, e.g. the council and the year."
        )
    existing = [pid for pid in places if pid != "demo"]
    if place_id not in places and len(existing) >= limits.places:
        raise ConfigError(
            f"This server already holds {len(existing)} places, its limit. Replace one of "
            "them (same id, with 'Replace'), or ask the administrator to remove one "
            "(python -m insight remove ID)."
        )


def check_replace(
    place_id: str,
    existing: Mapping | None,
    who: str,
    replace: bool,
    signed_in: bool,
) -> None:
    """Refuse to replace a place unless explicitly asked, by someone allowed to.

    Parameters
    ----------
    place_id : str
        Id being built.
    existing : mapping or None
        ``place.json`` of the place already stored under that id (None: a new place).
    who : str
        Who is building (an email, or :data:`THIS_COMPUTER`).
    replace : bool
        The explicit "Replace" choice.
    signed_in : bool
        ``who`` signed in through OpenID Connect.

    Raises
    ------
    ConfigError
        The id is taken and "replace" was not chosen, or the place belongs to someone else
        and the builder has not signed in.

    Examples
    --------
    >>> check_replace("wards", None, "a@c.gov.uk", False, True)
    >>> check_replace("wards", {"title": "W", "upload": {"by": "b@c.gov.uk"}},
    ...               THIS_COMPUTER, True, False)
    Traceback (most recent call last):
    ...
    insight.errors.ConfigError: Place 'wards' ('W') was added by another officer...
    """
    if existing is None:
        return
    title = existing.get("title", "")
    if not replace:
        raise ConfigError(
            f"A place with id {place_id!r} already exists ({title!r}). Choose another id in "
            "[place], or choose to replace it."
        )
    owner = (existing.get("upload") or {}).get("by") or THIS_COMPUTER
    if owner != who and not signed_in:
        raise ConfigError(
            f"Place {place_id!r} ({title!r}) was added by another officer; only a signed-in "
            "officer can replace it. Sign in, or choose another id."
        )
