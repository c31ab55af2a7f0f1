"""The pre-2026-11 (lenient) launch reader, kept while the service still calls it.

The strict reader is `core/launch_reader.py` (`parse_location(..., lenient=False)`
delegates to it); this module goes when the service switches to `core/launch_url.py`.

The browser hands the page `location.hash`, `location.search` and
`document.referrer` untouched (still percent-encoded). The vendor reads the five
launch parameters from the query after `/#/`; integrators' LMSs get that wrong
in a few recurring ways, and each one is named here as a diagnostic so the page,
`GET /_sim/launches` and the registration's `warnings` can tell the integrator
what to fix.

Rules (written down in docs/decisions.md):
- parameters before the `#` are a warning (DESIGN.md lists them among the warnings):
  those missing after `/#/` are read from there, and the warning says 77media's page
  would not see them;
- a fragment without the `/` of `/#/` (`#?reg=`, `#reg=`) is read, with a warning;
- `&amp;` is read as `&`, `+` in `fn` as a space, a double-encoded value is decoded
  twice: each with a warning, as the launch would break or mangle the name elsewhere;
- parameter names are case-sensitive: `lmsid` is not `lmsId` (the hint names it);
- a repeated parameter keeps its first value, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from simulator.core.diagnostics import Diagnostic
from simulator.core.launch_reader import read_location, referrer_warnings
from simulator.core.launch_values import PARAMETERS

__all__ = ["ERROR", "WARNING", "Diagnostic", "ParsedLocation", "parse_location"]

WARNING = "warning"
ERROR = "error"
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_CANONICAL = {name.lower(): name for name in PARAMETERS}
_ALIASES = {
    "registration": "reg",
    "email": "em",
    "e-mail": "em",
    "mail": "em",
    "name": "fn",
    "fullname": "fn",
    "firstname": "fn",
    "domain": "dom",
    "lms": "lmsId",
    "lms_id": "lmsId",
    "lms-id": "lmsId",
}


@dataclass(frozen=True)
class ParsedLocation:
    """The launch parameters the vendor's page would read, and what was odd about the URL."""

    params: Mapping[str, str]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(d.message for d in self.diagnostics)


def _strip_prefix(text: str, prefix: str) -> str:
    return text[len(prefix) :] if text.startswith(prefix) else text


def _pairs(query: str) -> list[tuple[str, str]]:
    """Split a query into raw (still encoded) name/value pairs, keeping empty values."""
    pairs = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((name, value))
    return pairs


def _decode_name(raw: str) -> str:
    return unquote(raw, errors="replace").strip()


def _looks_encoded(value: str) -> bool:
    """Whether a once-decoded value still holds percent escapes (it was encoded twice)."""
    return bool(_ESCAPE.search(value))


def _decode_value(name: str, raw: str, diagnostics: list[Diagnostic]) -> str:
    if name == "fn" and "+" in raw:
        diagnostics.append(
            Diagnostic(
                "plus_in_fn",
                WARNING,
                f"fn {raw!r} uses '+' for the space: read as a space here, but encode the "
                "space as %20 (fn=First%20Last) as the vendor documents",
                "fn",
            )
        )
        raw = raw.replace("+", " ")
    value = unquote(raw, errors="replace")
    if _looks_encoded(value):
        twice = unquote(value, errors="replace")
        diagnostics.append(
            Diagnostic(
                "double_encoded",
                WARNING,
                f"{name} {raw!r} is percent-encoded twice (decodes to {value!r}): read as "
                f"{twice!r} here; encode each value once",
                name,
            )
        )
        value = twice
    return value


def _misnamed(name: str) -> str | None:
    """The launch parameter a wrongly spelled name was meant to be, if any."""
    lowered = name.lower()
    if lowered in _CANONICAL and _CANONICAL[lowered] != name:
        return _CANONICAL[lowered]
    return _ALIASES.get(lowered)


def _read_query(query: str, diagnostics: list[Diagnostic]) -> dict[str, str]:
    """The launch parameters of one query string, with diagnostics for its faults."""
    if "&amp;" in query or query.startswith("amp;"):
        diagnostics.append(
            Diagnostic(
                "html_escaped_ampersand",
                WARNING,
                "the URL has '&amp;' between parameters (HTML-escaped twice by the LMS): read "
                "as '&' here; write a plain '&' into the link's href",
            )
        )
        query = query.replace("&amp;", "&").removeprefix("amp;")
    params: dict[str, str] = {}
    for raw_name, raw_value in _pairs(query):
        name = _decode_name(raw_name)
        if name in PARAMETERS:
            if name in params:
                diagnostics.append(
                    Diagnostic(
                        "repeated_parameter",
                        WARNING,
                        f"{name} is given more than once: the first value is used",
                        name,
                    )
                )
                continue
            params[name] = _decode_value(name, raw_value, diagnostics)
            continue
        meant = _misnamed(name)
        if meant:
            diagnostics.append(
                Diagnostic(
                    "misnamed_parameter",
                    WARNING,
                    f"parameter {name!r} is not read: the vendor's name is {meant!r} "
                    "(names are case-sensitive)",
                    meant,
                )
            )
    return params


def _fragment_query(hash_: str, diagnostics: list[Diagnostic]) -> str:
    """The query part of the fragment, noting a fragment not in the `#/?...` form."""
    fragment = _strip_prefix(hash_, "#")
    if fragment.startswith("/?"):
        return fragment[2:]
    if not fragment.strip("/"):
        return ""
    head, mark, rest = fragment.partition("?")
    query = rest if mark else fragment.lstrip("/")
    if "=" in query:
        shown = head if mark else fragment[: len(fragment) - len(query)]
        diagnostics.append(
            Diagnostic(
                "missing_hash_slash",
                WARNING,
                f"the parameters follow '#{shown}{mark}' instead of '#/?': read here, but the "
                "vendor documents the form .../courses/{courseId}/#/?reg=...&em=...",
            )
        )
    return query


def parse_location(
    hash_: str, search: str = "", referrer: str = "", *, lenient: bool = True
) -> ParsedLocation:
    """What the vendor's page reads from a launch, and every diagnostic about the URL.

    `lenient=True` is the pre-2026-11 reading (faults repaired, all warnings), kept
    until the service switches to `core/launch_url.py`; `lenient=False` is exactly
    what the vendor's page reads, faults as errors (`core/launch_reader.py`).
    Never raises: any text gives parameters (possibly none) and diagnostics.
    """
    if not lenient:
        strict = read_location(hash_, search)
        dom = strict.params.get("dom", "")
        return ParsedLocation(
            strict.params, (*strict.diagnostics, *referrer_warnings(referrer, dom))
        )
    diagnostics: list[Diagnostic] = []
    params = _read_query(_fragment_query(hash_ or "", diagnostics), diagnostics)
    before: list[Diagnostic] = []
    early = _read_query(_strip_prefix(search or "", "?"), before)
    if early:
        ignored = [name for name in PARAMETERS if name in early]
        missing = [name for name in ignored if name not in params]
        for name in missing:
            params[name] = early[name]
        if missing:  # what is wrong with the values read from there counts too
            diagnostics.extend(d for d in before if d.field in (*missing, None))
        consequence = (
            f"read here, but on 77media {', '.join(missing)} would be missing"
            if missing
            else "the values after '/#/' are used"
        )
        diagnostics.append(
            Diagnostic(
                "parameters_before_hash",
                WARNING,
                f"{', '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} placed before the "
                f"'#': the vendor reads parameters only after '/#/', {consequence}; "
                "build the URL as .../courses/{courseId}/#/?reg=...&em=...",
                missing[0] if missing else None,
            )
        )
    if referrer:
        diagnostics.extend(_referrer_diagnostics(referrer, params.get("dom", "")))
    return ParsedLocation(params, tuple(diagnostics))


def _referrer_diagnostics(referrer: str, dom: str) -> list[Diagnostic]:
    """`dom` should name the site the learner launched from; a referrer shows that site."""
    try:
        host = (urlsplit(referrer).hostname or "").lower()
    except ValueError:
        return []
    dom = dom.strip().lower().rstrip(".")
    if not host or not dom or host == dom or host.endswith("." + dom):
        return []
    return [
        Diagnostic(
            "referrer_mismatch",
            WARNING,
            f"launched from {host} but dom is {dom!r}: dom should be the domain you launch "
            "from, subdomains included",
            "dom",
        )
    ]
