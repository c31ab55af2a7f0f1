"""JSON errors for every API answer: a clear 4xx, never a traceback.

Core rules, services and handlers raise `simulator.core.errors` classes; the
application's one middleware (`web/app.py`) hands whatever a request raised to
`answer_for` here, which renders them, turns aiohttp's own HTTP errors (404, 405,
413) into the same shape on every path that answers JSON (the APIs and the player
page's `/courses/{courseId}/api/`), and logs anything else as a bug while still
answering with JSON. HTML pages keep aiohttp's own answers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from simulator.core.errors import (
    BadRequest,
    InternalError,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    error_for_status,
)
from simulator.core.input_boundary import parse_json

log = logging.getLogger("simulator.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_PREFIXES = ("/_sim/", "/api/")
MAX_BODY_BYTES = 1024 * 1024


# Transitional: web/webhooks.py still annotates with this name. Delete once it does not.
ApiError = ServiceError


def render(error: ServiceError) -> web.Response:
    """The one place an error becomes an HTTP answer."""
    return web.json_response(error.body(), status=error.status, headers=error.headers)


def bad_request(
    message: str, field: str | None = None, code: str = "invalid_request"
) -> BadRequest:
    return BadRequest(message, field, code=code)


def not_found(message: str, field: str | None = None) -> NotFound:
    return NotFound(message, field)


async def read_json_object(
    request: web.Request,
    *,
    max_bytes: int = MAX_BODY_BYTES,
    too_large_status: int = 413,
    expected: str = "a JSON object",
) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx that says what is wrong with it.

    Every JSON route reads its body here, so every one passes the input boundary
    (`simulator.core.input_boundary`): non-UTF-8 bytes, lone surrogates, NUL,
    non-finite numbers, 64-bit overflow and deep nesting are a 400 naming the field
    before the handler sees the body.

    Read in chunks and given up past `max_bytes`, so an oversized body is never held
    whole (a body that has all arrived, as any small one has, is taken in one step).
    The progress API answers that with 400 (its issue asks any bad body to be a 400);
    the control API with 413.
    """
    if request.content_length is not None and request.content_length > max_bytes:
        raise _too_large(max_bytes, too_large_status)
    content = request.content
    if content.is_eof():  # the whole body has arrived (a small one always has): take it
        raw = content.read_nowait()
        if len(raw) > max_bytes:
            raise _too_large(max_bytes, too_large_status)
    else:
        size = 0
        chunks: list[bytes] = []
        async for chunk in content.iter_chunked(16 * 1024):
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(max_bytes, too_large_status)
            chunks.append(chunk)
        raw = b"".join(chunks)
    if not raw.strip():
        raise bad_request(f"request body must be {expected}", code="invalid_json")
    data = parse_json(raw)  # the input boundary: nothing unstorable gets past this line
    if not isinstance(data, dict):
        raise bad_request(f"request body must be {expected}", code="invalid_json")
    return data


def _too_large(max_bytes: int, status: int) -> ServiceError:
    too_large_class = PayloadTooLarge if status == 413 else BadRequest
    return too_large_class(f"request body over {max_bytes} bytes", code="body_too_large")


def invalid_launch(problems: Sequence[Any], warnings: Sequence[str], **extra: Any) -> BadRequest:
    """A rejected launch: every problem listed, the first one as `field`."""
    listed = [p.to_json() for p in problems]
    return BadRequest(
        "; ".join(p["message"] for p in listed),
        listed[0]["field"] if listed else None,
        code="invalid_launch",
        problems=listed,
        warnings=list(warnings),
        **extra,
    )


def int_query(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query parameter within bounds, or a 400 naming it."""
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"{name} must be a whole number", name) from None
    if not low <= value <= high:
        raise bad_request(f"{name} must be between {low} and {high}", name)
    return value


def answers_json(request: web.Request) -> bool:
    """The APIs, and the player page's own JSON endpoints (`/courses/{id}/api/...`)."""
    path = request.path
    return path.startswith(API_PREFIXES) or (path.startswith("/courses/") and "/api/" in path)


def _from_http(request: web.Request, error: web.HTTPException) -> ServiceError:
    """aiohttp's own refusal (no route, wrong method, body too large) as one of ours."""
    code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
        error.status, "http_error"
    )
    message = {
        404: f"no route {request.method} {request.path}",
        405: f"{request.method} is not allowed on {request.path}",
    }.get(error.status, error.reason)
    allow = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
    translated = error_for_status(error.status)(message, code=code, headers=allow)
    translated.status = error.status  # keep the exact status
    return translated


def answer_for(request: web.Request, error: Exception) -> web.StreamResponse:
    """The answer to a request whose handling raised `error` (called in its `except`).

    An aiohttp HTTP error on a path that does not answer JSON (an HTML page), or one
    that is not an error (a redirect), is raised again for aiohttp to answer.
    """
    if isinstance(error, ServiceError):
        return render(error)
    if isinstance(error, web.HTTPException):
        if not answers_json(request) or error.status < 400:
            raise error
        return render(_from_http(request, error))
    log.exception("unexpected error answering %s %s", request.method, request.path)
    return render(InternalError("the simulator hit a bug; its log has the details"))
