"""The input boundary for what a request carries outside its body: path and query.

Bodies pass the boundary in `read_json_object`; this middleware does the same for
path parameters and the query string on every route, before any handler runs, so a
`%00`, an encoded lone surrogate (`%ED%A0%80`) or bytes that are not UTF-8 (`%FF`)
are a 400 naming the parameter and never reach the store. (aiohttp would turn
`%FF` into U+FFFD silently: a repaired value, which the fidelity rule forbids.)
"""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote_to_bytes

from aiohttp import web

from simulator.core.errors import BadRequest
from simulator.core.input_boundary import check_pairs, decode_utf8
from simulator.web.errors import Handler


def _query_pairs(raw_query: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(raw_query, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError as error:
        raise BadRequest(
            f"the query string is not UTF-8 once percent-decoded ({error.reason})",
            code="invalid_encoding",
        ) from None


@web.middleware
async def boundary_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a path or query that cannot be stored or encoded, naming the parameter."""
    url = request.rel_url
    decode_utf8(unquote_to_bytes(url.raw_path), "the path")
    check_pairs(request.match_info.items(), "path")
    check_pairs(_query_pairs(url.raw_query_string), "query")
    return await handler(request)
