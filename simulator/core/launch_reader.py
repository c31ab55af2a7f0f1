"""What the vendor's hash-routed page reads from a launch, what the LMS meant, and why they differ.

The page sees its parameters only in the fragment, only after `#/?`, decoded once
with `URLSearchParams` (`core/url_search_params.py`). An LMS gets that wrong in a
few recurring ways; each is diagnosed here with a stable code (`core/diagnostics.py`)
and *repaired* into the values the LMS meant, so that a corrected URL can be offered
(strict) or the launch can go ahead (lenient, the pre-2026-11 behaviour).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from msgspec import Struct

from simulator.core.diagnostics import Code, Diagnostic, error, shown, warning
from simulator.core.launch_values import PARAMETERS
from simulator.core.url_search_params import (
    FormPair,
    get,
    has_stray_percent,
    parse_form,
    percent_decode,
    to_usv,
)

_AMP = re.compile(r"&(?:amp;)+", re.IGNORECASE)
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_STRAY = re.compile(r"%(?![0-9A-Fa-f]{2})")
_AUTHORITY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://([^/?#\\]*)")
_CANONICAL = {name.lower(): name for name in PARAMETERS}
_ALIASES = {
    "registration": "reg",
    "registrationid": "reg",
    "email": "em",
    "e-mail": "em",
    "mail": "em",
    "name": "fn",
    "fullname": "fn",
    "full_name": "fn",
    "firstname": "fn",
    "domain": "dom",
    "lms": "lmsId",
    "lms_id": "lmsId",
    "lms-id": "lmsId",
}
_MAX_ROUNDS = 4  # decodings tried on a value encoded more than once
FORM = ".../courses/{courseId}/#/?reg=…&em=…&fn=First%20Last&dom=…&lmsId=…"


class LocationReading(Struct, frozen=True):
    """The vendor page's reading of a launch and the LMS's intent, with the faults between."""

    params: Mapping[str, str]  # exactly what the vendor's page reads (strict)
    repaired: Mapping[str, str]  # the values the LMS meant, every diagnosed fault repaired
    diagnostics: tuple[Diagnostic, ...]


def misnamed(name: str) -> str | None:
    """The launch parameter a wrongly spelt or cased name was meant to be, if any."""
    lowered = name.strip().lower()
    if lowered in _CANONICAL and _CANONICAL[lowered] != name:
        return _CANONICAL[lowered]
    return _ALIASES.get(lowered)


def _well_formed_decode(text: str) -> str | None:
    """One more percent-decoding of a decoded value, or None if it would not be clean."""
    if has_stray_percent(text):
        return None
    try:
        return percent_decode(text).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _cp1252_byte(bad: UnicodeError) -> tuple[str, int]:
    """Codec error handler: read each byte that is not UTF-8 as Windows-1252 (or Latin-1)."""
    assert isinstance(bad, UnicodeDecodeError)
    text = "".join(
        chr(byte) if byte in _CP1252_UNDEFINED else bytes([byte]).decode("cp1252")
        for byte in bad.object[bad.start : bad.end]
    )
    return text, bad.end


_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
codecs.register_error("media77-sim-cp1252", _cp1252_byte)


def _legacy(data: bytes) -> str:
    """UTF-8 where it is valid, each other byte as Windows-1252 would read it.

    An LMS that encodes in ISO-8859-1 is the usual source of escapes that are not
    UTF-8; some only do it for one field or one word, so only the bad bytes are taken so.
    """
    return data.decode("utf-8", "media77-sim-cp1252")


def _repair_value(name: str, raw: str, found: list[Diagnostic]) -> str:
    """The value the LMS meant by `raw`, diagnosing each way it departs from one clean encoding."""
    text = raw
    if "+" in text:
        read = text.replace("+", " ")
        if name == "fn":
            found.append(
                warning(
                    Code.PLUS_IN_FN,
                    "fn uses '+' for the space: URLSearchParams reads it as a space, but a '+' "
                    "in a name would be lost; encode the space as %20 (fn=First%20Last) as the "
                    "vendor documents",
                    "fn",
                )
            )
            text = text.replace("+", "%20")
        else:
            found.append(
                error(
                    Code.PLUS_IN_VALUE,
                    f"{name} {shown(raw)} holds '+', which the vendor's page reads as a space "
                    f"({shown(read)}); encode a plus sign as %2B (encodeURIComponent does)",
                    name,
                )
            )
            text = text.replace("+", "%2B")
    reasons = []
    if has_stray_percent(text):
        reasons.append("a '%' not followed by two hex digits (write a percent sign as %25)")
        text = _STRAY.sub("%25", text)
    data = percent_decode(text)
    try:
        value = data.decode("utf-8")
    except UnicodeDecodeError:
        reasons.append("escapes that are not UTF-8 (encode the value as UTF-8, not Latin-1)")
        value = _legacy(data)
    if reasons:
        found.append(
            error(
                Code.BAD_PERCENT_ENCODING,
                f"{name} {shown(raw)} has {' and '.join(reasons)}: "
                "the vendor's page cannot read it",
                name,
            )
        )
    meant = value
    for _ in range(_MAX_ROUNDS):
        again = _well_formed_decode(meant) if _ESCAPE.search(meant) else None
        if again is None:
            break
        meant = again
    if meant != value:
        found.append(
            error(
                Code.DOUBLE_ENCODED,
                f"{name} is percent-encoded more than once: the vendor's page reads "
                f"{shown(value)}, "
                f"not {shown(meant)}; encode each value once",
                name,
            )
        )
    return meant


def _repair_query(query: str, found: list[Diagnostic]) -> dict[str, str]:
    """The launch parameters the LMS meant by one query string, diagnosing its faults."""
    if _AMP.search(query):
        hidden = [
            misnamed(p.name[4:]) or p.name[4:] for p in parse_form(query) if p.name[:4] == "amp;"
        ]
        field = next((name for name in hidden if name in PARAMETERS), None)
        found.append(
            error(
                Code.HTML_ESCAPED_AMPERSAND,
                "the parameters are separated by '&amp;' (HTML-escaped twice by the LMS), so the "
                f"vendor's page reads names like 'amp;{field or 'em'}'; write a plain '&' into "
                "the link's href",
                field,
            )
        )
        query = _AMP.sub("&", query)
    pairs = parse_form(query)
    exact = {pair.name for pair in pairs}
    chosen: dict[str, FormPair] = {}
    for pair in pairs:
        name: str | None = pair.name
        if name not in PARAMETERS:
            name = misnamed(pair.name)
            if name is None or name in exact:
                continue
            found.append(
                error(
                    Code.MISNAMED_PARAMETER,
                    f"parameter {shown(pair.name)} is not read: the vendor's name is {shown(name)} "
                    "(names are case-sensitive)",
                    name,
                )
            )
        if name in chosen:
            found.append(
                error(
                    Code.REPEATED_PARAMETER,
                    f"{name} is given more than once: URLSearchParams reads the first, hash "
                    "routers may read a list; give each parameter once",
                    name,
                )
            )
            continue
        chosen[name] = pair
    return {name: _repair_value(name, pair.raw_value, found) for name, pair in chosen.items()}


def _mentions_launch(query: str) -> bool:
    names = (pair.name for pair in parse_form(_AMP.sub("&", query)))
    return any(name in PARAMETERS or misnamed(name) for name in names)


def _misplaced_fragment_query(fragment: str) -> tuple[str, str]:
    """(what precedes the parameters, the parameters) of a fragment not in the `/?` form."""
    head, mark, rest = fragment.partition("?")
    if mark:
        return head + mark, rest
    stripped = fragment.lstrip("/!")
    return fragment[: len(fragment) - len(stripped)], stripped


def read_location(hash_: str, search: str = "") -> LocationReading:
    """Read raw `location.hash` and `location.search` as the vendor's page does. Never raises."""
    found: list[Diagnostic] = []
    fragment = to_usv(hash_ or "").removeprefix("#")
    params: dict[str, str] = {}
    query = ""
    if fragment.startswith("/?"):
        query = fragment[2:]
        pairs = parse_form(query)
        for name in PARAMETERS:
            pair = get(pairs, name)
            if pair is not None and pair.well_formed:
                params[name] = pair.value
    else:
        head, rest = _misplaced_fragment_query(fragment)
        if _mentions_launch(rest):
            found.append(
                error(
                    Code.MISSING_HASH_SLASH,
                    f"the parameters follow '#{head}' instead of '#/?': the vendor's page reads "
                    f"none of them; build the URL as {FORM}",
                )
            )
            query = rest
    repaired = _repair_query(query, found)
    early_query = to_usv(search or "").removeprefix("?")
    if _mentions_launch(early_query):
        before: list[Diagnostic] = []
        early = _repair_query(early_query, before)
        missing = [name for name in PARAMETERS if name in early and name not in repaired]
        shown = ", ".join(name for name in PARAMETERS if name in early) or "launch parameters"
        found.append(
            error(
                Code.PARAMETERS_BEFORE_HASH,
                f"{shown} placed before the '#': the vendor's page reads parameters only after "
                f"'#/?' (its docs: the query string must come after /#/), so it "
                f"{'misses ' + ', '.join(missing) if missing else 'ignores them'}; "
                f"build the URL as {FORM}",
                missing[0] if missing else None,
            )
        )
        found.extend(d for d in before if d.field in missing or (d.field is None and missing))
        repaired.update((name, early[name]) for name in missing)
    return LocationReading(params, repaired, tuple(found))


def referrer_host(referrer: str) -> str:
    """The host of a referrer URL (lower case, no port or user info), or "" if it has none."""
    match = _AUTHORITY.match(to_usv(referrer or "").strip())
    if not match:
        return ""
    host = match.group(1).rpartition("@")[2]
    host = host[1:].partition("]")[0] if host.startswith("[") else host.partition(":")[0]
    return host.lower().rstrip(".")


def referrer_warnings(referrer: str, dom: str) -> list[Diagnostic]:
    """`dom` is "the domain that you are launching the activity from. Please include subdomains"."""
    host = referrer_host(referrer)
    if not host or not dom or host == dom.lower().rstrip("."):
        return []
    return [
        warning(
            Code.REFERRER_MISMATCH,
            f"launched from {shown(host)[1:-1]} but dom is {shown(dom)}: dom should be the host "
            "you launch from, subdomains included",
            "dom",
        )
    ]
