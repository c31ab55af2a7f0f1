"""The one error hierarchy: every refusal the simulator can give, with its HTTP meaning.

Core rules and services raise these; exactly one place (the web layer's error
middleware) turns them into `{"error": code, "message", "field", ...}` JSON, as
moto's single `ServiceException` does. Pure: it knows statuses as numbers, not
aiohttp, so `core/` can raise it without importing the web stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class ServiceError(Exception):
    """A refusal with an HTTP status, a stable machine-readable code and the field at fault.

    Subclasses fix `status` and a default `code`; an instance may name a more precise
    code (`BadRequest("...", "progress", code="invalid_json")`). `headers` carry what
    the answer needs beyond the body (`Retry-After`, `Allow`, `WWW-Authenticate`);
    `extra` adds keys to the JSON body (`problems`, `fixedUrl`, `resetsAt`).
    """

    status: int = 400  # per class; an instance may keep another (aiohttp's own refusals)
    default_code: ClassVar[str] = "invalid_request"

    def __init_subclass__(cls, status: int | None = None, code: str | None = None) -> None:
        """`class Conflict(ServiceError, status=409, code="conflict")`: a status, a code."""
        super().__init_subclass__()
        if status is not None:
            cls.status = status
        if code is not None:
            cls.default_code = code

    def __init__(
        self,
        message: str,
        field: str | None = None,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.default_code
        self.headers = dict(headers or {})
        self.extra = extra

    def body(self) -> dict[str, Any]:
        """The JSON body every error answer has, plus this error's extra keys."""
        return {"error": self.code, "message": self.message, "field": self.field, **self.extra}


class BadRequest(ServiceError, ValueError):
    """The request is malformed or a value is out of range (400)."""


class Unauthorized(ServiceError, status=401, code="unauthorized"):
    """No credentials, or unknown ones."""


class Forbidden(ServiceError, status=403, code="forbidden"):
    """Known, but not allowed here (the control API closed off loopback)."""


class NotFound(ServiceError, LookupError, status=404, code="not_found"):
    """The named registration, organization, subscription or route does not exist."""


class MethodNotAllowed(ServiceError, status=405, code="method_not_allowed"):
    """The route exists, not for this method."""


class Conflict(ServiceError, ValueError, status=409, code="conflict"):
    """Well formed, but the current state forbids it."""


class PayloadTooLarge(ServiceError, status=413, code="body_too_large"):
    """A body over the route's limit (read in chunks, never held whole)."""


class UnsupportedMediaType(ServiceError, status=415, code="unsupported_media_type"):
    """A body that does not say it is JSON."""


class TooManyRequests(ServiceError, status=429, code="quota_exceeded"):
    """The daily quota is used up."""


class InternalError(ServiceError, status=500, code="internal_error"):
    """Only the middleware raises this, for a bug: the answer stays JSON, the log has the trace."""


def error_for_status(status: int) -> type[ServiceError]:
    """The class that answers `status` (for translating the web framework's own errors)."""
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        TooManyRequests,
    ):
        if cls.status == status:
            return cls
    return InternalError if status >= 500 else BadRequest
