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


def check_value(value: Any, root: str = "") -> None:
    """Walk a parsed JSON value (iteratively: depth is what is being checked)."""
    stack: list[tuple[Any, str, int]] = [(value, root, 0)]
    while stack:
        item, path, depth = stack.pop()
        where = path or "body"
        if isinstance(item, str):
            check_text(item, where)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT_MIN <= item <= INT_MAX:
                raise BadRequest(
                    f"{where} is beyond the 64-bit integer range",
                    path or None,
                    code="invalid_number",
                )
        elif isinstance(item, Unrepresentable):
            raise BadRequest(
                f"{where} {item.problem}, not {item.text}", path or None, code="invalid_number"
            )
        elif isinstance(item, float) and not math.isfinite(item):
            raise BadRequest(
                f"{where} must be a finite number, not {item!r}",
                path or None,
                code="invalid_number",
            )
        elif isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise BadRequest(
                    f"{where} is nested deeper than {MAX_DEPTH} levels",
                    path or None,
                    code="too_deep",
                )
            pairs: Iterable[tuple[str | int, Any]] = (
                item.items() if isinstance(item, dict) else enumerate(item)
            )
            for key, child in pairs:
                named = _child(path, key)
                if isinstance(key, str):
                    check_text(key, named)
                stack.append((child, named, depth + 1))


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


def parse_json(raw: bytes) -> Any:
    """A request body as a checked JSON value, or a 400 naming the field at fault."""
    text = decode_utf8(raw)
    try:
        data = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise BadRequest(
            f"request body is nested deeper than {MAX_DEPTH} levels", code="too_deep"
        ) from None
    except ValueError as error:
        raise BadRequest(f"request body is not valid JSON: {error}", code="invalid_json") from None
    check_value(data)
    return data
