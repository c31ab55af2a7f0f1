"""The input boundary for what a request carries outside its body: path and query.

Bodies pass the boundary in `read_json_object`; `check_request` does the same for
path parameters and the query string on every route, before any handler runs (the
application's middleware calls it), so a
`%00`, an encoded lone surrogate (`%ED%A0%80`) or bytes that are not UTF-8 (`%FF`)
are a 400 naming the parameter and never reach the store. (aiohttp would turn
`%FF` in a query into U+FFFD silently, and leave it undecoded in a path: repaired
or odd values, which the fidelity rule forbids.)
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from aiohttp import web

from simulator.core.errors import BadRequest
from simulator.core.input_boundary import check_text, field_name, text_problem


def _decoded(raw: str, field: str, plus_is_space: bool) -> str:
    """One percent-encoded part as strict UTF-8 text, or a 400 naming `field`."""
    if plus_is_space:
        raw = raw.replace("+", " ")
    if "%" not in raw:  # nothing encoded: the text is what arrived
        return check_text(raw, field)
    data = unquote_to_bytes(raw)
    try:
        return check_text(data.decode("utf-8"), field)
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"{field} is not UTF-8 once percent-decoded (byte {data[error.start]:#04x})",
            field,
            code="invalid_encoding",
        ) from None


def check_query(raw_query: str) -> None:
    """Every name and value of a query string: strict UTF-8, no NUL, no lone surrogate."""
    for pair in raw_query.split("&"):
        if not pair:
            continue
        raw_name, _, raw_value = pair.partition("=")
        name = _decoded(raw_name, "query", plus_is_space=True)
        _decoded(raw_value, field_name(name), plus_is_space=True)


def check_path(raw_path: str, template: str) -> None:
    """Every path segment; a segment matching a `{name}` of the route's template is named."""
    segments = raw_path.split("/")
    names = template.split("/") if template else []
    if len(names) != len(segments):
        names = [""] * len(segments)
    for segment, name in zip(segments, names, strict=True):
        field = name[1:-1].split(":")[0] if name.startswith("{") and name.endswith("}") else "path"
        _decoded(segment, field, plus_is_space=False)


def check_request(request: web.Request) -> None:
    """Refuse a path or query that cannot be stored or encoded, naming the parameter.

    For the routes that answer JSON (the APIs, `/_sim/`, the player's
    `/courses/{id}/api/`), the only ones that read their path or query; the static
    pages read neither, and a page at an odd path still loads and lets its own API
    call name the problem. A path with nothing percent-encoded and nothing that
    cannot be stored passes every segment's check, so it is checked whole, once.
    """
    url = request.rel_url
    raw_path = url.raw_path
    if "%" in raw_path or text_problem(raw_path) is not None:
        resource = request.match_info.route.resource
        check_path(raw_path, resource.canonical if resource is not None else "")
    raw_query = url.raw_query_string
    if raw_query:
        check_query(raw_query)
