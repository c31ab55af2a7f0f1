"""The input boundary: what no request may bring in, refused before anything is charged or stored.

Python's `json` accepts text that the rest of the simulator cannot take: lone UTF-16
surrogates (`"\\ud800"`, which SQLite and UTF-8 cannot encode), NUL (which SQLite
silently truncates at), `NaN`/`Infinity` and `1e999` (not JSON, and not storable
as numbers), integers past SQLite's 64-bit range, and nesting deep enough to exhaust
the stack. Each is a 400 naming the field here, once, so no route can forget it and
no such value reaches a quota count, the store or the JSON encoder.

Pure: bytes and parsed values in, a value or a `BadRequest` out.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from simulator.core.errors import BadRequest

MAX_DEPTH = 32  # a real body nests two or three levels
INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # SQLite's INTEGER


# NUL or any UTF-16 surrogate: one scan in C finds the usual text clean.
_SUSPECT = re.compile("[\x00\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored or encoded, or None when it can."""
    if _SUSPECT.search(text) is None:
        return None
    if "\x00" in text:
        return "holds a NUL character"
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return f"holds a lone UTF-16 surrogate (U+{ord(char):04X})"
    return None


def field_name(text: str) -> str:
    """A field name safe to echo in an answer (surrogates shown as escapes)."""
    if _SUSPECT.search(text) is None:
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


def check_text(text: str, field: str) -> str:
    """`text` itself, or a 400 naming `field` when it cannot be stored or encoded."""
    problem = text_problem(text)
    if problem is not None:
        raise BadRequest(f"{field} {problem}", field, code="invalid_text")
    return text


def _child(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    name = field_name(key)
    return f"{path}.{name}" if path else name


# Where a value sits: its path as text, or (where its container sits, its key), made text
# only for an error (a clean body, the usual one, never builds its paths).
_Where = str | tuple[Any, str | int]


def _path(where: _Where) -> str:
    keys: list[str | int] = []
    while isinstance(where, tuple):
        where, key = where
        keys.append(key)
    path = where
    for key in reversed(keys):
        path = _child(path, key)
    return path


def check_value(value: Any, root: str = "") -> None:
    """Walk a parsed JSON value (iteratively: depth is what is being checked)."""
    stack: list[tuple[Any, _Where, int]] = [(value, root, 0)]
    suspect = _SUSPECT.search
    while stack:
        item, where, depth = stack.pop()
        kind = type(item)
        if kind is str:
            if suspect(item) is not None:
                check_text(item, _path(where) or "body")
        elif kind is int and INT_MIN <= item <= INT_MAX:
            continue
        elif kind is dict or kind is list:
            if depth >= MAX_DEPTH:
                path = _path(where)
                raise BadRequest(
                    f"{path or 'body'} is nested deeper than {MAX_DEPTH} levels",
                    path or None,
                    code="too_deep",
                )
            pairs: Iterable[tuple[str | int, Any]] = (
                item.items() if kind is dict else enumerate(item)
            )
            for key, child in pairs:
                if type(key) is str and suspect(key) is not None:
                    check_text(key, _child(_path(where), key))
                stack.append((child, (where, key), depth + 1))
        else:
            _check_scalar(item, where, depth, stack)


def _check_scalar(item: Any, where: _Where, depth: int, stack: list[Any]) -> None:
    """`check_value` for what is not a plain str, in-range int, dict or list."""
    if isinstance(item, bool) or item is None:
        return
    if isinstance(item, str):
        check_text(item, _path(where) or "body")
    elif isinstance(item, int):
        if not INT_MIN <= item <= INT_MAX:
            path = _path(where)
            raise BadRequest(
                f"{path or 'body'} is beyond the 64-bit integer range",
                path or None,
                code="invalid_number",
            )
    elif isinstance(item, Unrepresentable):
        path = _path(where)
        raise BadRequest(
            f"{path or 'body'} {item.problem}, not {item.text}", path or None, code="invalid_number"
        )
    elif isinstance(item, float) and not math.isfinite(item):
        path = _path(where)
        raise BadRequest(
            f"{path or 'body'} must be a finite number, not {item!r}",
            path or None,
            code="invalid_number",
        )
    elif isinstance(item, dict | list):  # a subclass: walked as its base is
        stack.append((dict(item) if isinstance(item, dict) else list(item), where, depth))


class Unrepresentable:
    """What the parser gives for a number nothing can hold (`NaN`, `1e999`, 4,301 digits),
    so that `check_value`, which knows the path, refuses it naming its field."""

    def __init__(self, text: str, problem: str) -> None:
        self.text = text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"
        self.problem = problem


def _constant(name: str) -> Unrepresentable:
    return Unrepresentable(name, "must be a finite number")


def _float(text: str) -> float | Unrepresentable:
    number = float(text)
    return number if math.isfinite(number) else Unrepresentable(text, "must be a finite number")


def _int(text: str) -> int | Unrepresentable:
    if len(text.lstrip("-")) > 19:  # past 2**63 whatever the digits; also int()'s 4,300 cap
        return Unrepresentable(text, "is beyond the 64-bit integer range")
    return int(text)


def decode_utf8(raw: bytes, what: str = "request body") -> str:
    """`raw` as UTF-8 text (JSON's only encoding on the wire, RFC 8259), or a 400."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"{what} is not UTF-8: byte {error.start} ({raw[error.start : error.start + 1]!r})",
            code="invalid_encoding",
        ) from None


# One decoder for every body: `json.loads` with hooks builds a decoder and its scanner
# at each call, which cost the progress call more than the parse itself (issue 14).
_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_float, parse_int=_int)


def parse_json(raw: bytes) -> Any:
    """A request body as a checked JSON value, or a 400 naming the field at fault."""
    text = decode_utf8(raw)
    try:
        if text.startswith("\ufeff"):  # as `json.loads` refuses it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        data = _DECODER.decode(text)
    except RecursionError:
        raise BadRequest(
            f"request body is nested deeper than {MAX_DEPTH} levels", code="too_deep"
        ) from None
    except ValueError as error:
        raise BadRequest(f"request body is not valid JSON: {error}", code="invalid_json") from None
    check_value(data)
    return data
