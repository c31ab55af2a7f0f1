"""The browser's `URLSearchParams` parsing (WHATWG URL, application/x-www-form-urlencoded).

The vendor's page reads its launch parameters with these rules, so the simulator
must too: split on `&`, the first `=` splits name from value, `+` is a space, and
valid `%XX` escapes are percent-decoded as UTF-8. The browser never fails: a `%`
not followed by two hex digits stays as it is, and bytes that are not UTF-8 become
U+FFFD. Each pair here also says whether its value was *well formed* (no such
stray `%`, valid UTF-8), because the simulator takes the stricter reading that a
malformed escape leaves the parameter unreadable (docs/decisions.md): the usual
hash routers decode with `decodeURIComponent`, which throws on exactly those.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from msgspec import Struct

_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class FormPair(Struct, frozen=True):
    """One `name=value` of a query: decoded as the browser does, and as it was written."""

    name: str
    value: str
    raw_name: str
    raw_value: str
    well_formed: bool  # the value had no stray `%` and decoded to valid UTF-8


def to_usv(text: str) -> str:
    """The text as a JavaScript USVString: lone surrogates become U+FFFD, pairs join.

    Browsers convert every string handed to the URL parser or `URLSearchParams` this
    way, so a lone surrogate can never reach the vendor's page as such.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def percent_decode(text: str) -> bytes:
    """WHATWG percent-decode: valid `%XX` become bytes, everything else stays as UTF-8.

    `unquote_to_bytes` follows the same rule (a `%` without two hex digits is kept).
    """
    return unquote_to_bytes(to_usv(text))


def has_stray_percent(text: str) -> bool:
    """Whether `text` holds a `%` that does not start a `%XX` escape."""
    return _STRAY_PERCENT.search(text) is not None


def decode_component(raw: str) -> tuple[str, bool]:
    """A name or value as `URLSearchParams` reads it, and whether it was well formed."""
    data = percent_decode(raw.replace("+", " "))
    try:
        return data.decode("utf-8"), not has_stray_percent(raw)
    except UnicodeDecodeError:
        return data.decode("utf-8", "replace"), False


def parse_form(query: str) -> tuple[FormPair, ...]:
    """Every pair of an application/x-www-form-urlencoded string, in order, duplicates kept."""
    pairs = []
    for piece in to_usv(query).split("&"):
        if not piece:
            continue
        raw_name, _, raw_value = piece.partition("=")
        name, _ = decode_component(raw_name)
        value, well_formed = decode_component(raw_value)
        pairs.append(FormPair(name, value, raw_name, raw_value, well_formed))
    return tuple(pairs)


def get(pairs: tuple[FormPair, ...], name: str) -> FormPair | None:
    """`URLSearchParams.get`: the first pair of that exact (case-sensitive) name."""
    return next((pair for pair in pairs if pair.name == name), None)
