"""JSON errors for every API answer: a clear 4xx, never a traceback.

Handlers raise `ApiError`; the middleware renders it, turns aiohttp's own HTTP
errors (404, 405, 413) into the same shape on API paths, and logs anything else
as a bug while still answering with JSON.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web

from simulator.core.errors import ServiceError

log = logging.getLogger("simulator.web")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
API_PREFIXES = ("/_sim/", "/api/")
MAX_BODY_BYTES = 1024 * 1024


class ApiError(ServiceError):
    """Transitional: an error built with an explicit status. New code raises the
    `simulator.core.errors` class for its status instead."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message, field, code=code, headers=headers, **extra)
        self.status = status  # type: ignore[misc]

    def response(self) -> web.Response:
        return render(self)


def render(error: ServiceError) -> web.Response:
    """The one place an error becomes an HTTP answer."""
    return web.json_response(error.body(), status=error.status, headers=error.headers)


def bad_request(message: str, field: str | None = None, code: str = "invalid_request") -> ApiError:
    return ApiError(400, code, message, field)


def not_found(message: str, field: str | None = None) -> ApiError:
    return ApiError(404, "not_found", message, field)


async def read_json_object(
    request: web.Request,
    *,
    max_bytes: int = MAX_BODY_BYTES,
    too_large_status: int = 413,
    expected: str = "a JSON object",
) -> dict[str, Any]:
    """The request body as a JSON object, or a 4xx that says what is wrong with it.

    Read in chunks and given up past `max_bytes`, so an oversized body is never held
    whole. The progress API answers that with 400 (its issue asks any bad body to be
    a 400); the control API with 413.
    """
    too_large = ApiError(too_large_status, "body_too_large", f"request body over {max_bytes} bytes")
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    size = 0
    chunks: list[bytes] = []
    async for chunk in request.content.iter_chunked(16 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise too_large
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        raise bad_request(f"request body must be {expected}", code="invalid_json")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise bad_request(f"request body is not valid JSON: {error}", code="invalid_json") from None
    if not isinstance(data, dict):
        raise bad_request(f"request body must be {expected}", code="invalid_json")
    return data


def invalid_launch(problems: Sequence[Any], warnings: Sequence[str], **extra: Any) -> ApiError:
    """A rejected launch: every problem listed, the first one as `field`."""
    listed = [p.to_json() for p in problems]
    return ApiError(
        400,
        "invalid_launch",
        "; ".join(p["message"] for p in listed),
        listed[0]["field"] if listed else None,
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


def _is_api(request: web.Request) -> bool:
    return request.path.startswith(API_PREFIXES)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ServiceError as error:
        return render(error)
    except web.HTTPException as error:
        if not _is_api(request) or error.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(
            error.status, "http_error"
        )
        message = (
            error.reason if error.status != 404 else f"no route {request.method} {request.path}"
        )
        allow = {k: v for k, v in error.headers.items() if k.lower() == "allow"}
        return ApiError(error.status, code, message, headers=allow).response()
    except Exception:
        log.exception("unexpected error answering %s %s", request.method, request.path)
        return ApiError(
            500, "internal_error", "the simulator hit a bug; its log has the details"
        ).response()
