"""The plumbing under `SimulatorClient`: one HTTP call with urllib, JSON in and out.

Stdlib only, so a script or a test suite can drive a simulator (local, in a
container, in CI) without installing the server's web stack.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict, Unpack
from urllib.parse import urlencode


class RequestOptions(TypedDict, total=False):
    """What `request` takes beside the method, path and JSON body."""

    query: dict[str, Any] | None
    raw: bytes | None
    headers: dict[str, str] | None


class SimulatorError(Exception):
    """A 4xx/5xx answer to a call that had to succeed.

    `status` is the HTTP status, `body` the parsed JSON error
    (`{"error": code, "message": ..., "field": ...}`), `code` and `field` its parts.
    """

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body

    @property
    def code(self) -> str | None:
        """The error code (`invalid_request`, `not_found`, `invalid_launch`, ...)."""
        return self.body.get("error") if isinstance(self.body, dict) else None

    @property
    def field(self) -> str | None:
        """The request field the error is about, when there is one."""
        return self.body.get("field") if isinstance(self.body, dict) else None


@dataclass
class Response:
    """Any answer, whatever its status: for tests of error answers and headers."""

    status: int
    headers: dict[str, str]
    body: Any

    def json(self) -> Any:
        return self.body


class HasUrl(Protocol):
    """Anything that knows a simulator's base URL, such as a running `Simulator`."""

    @property
    def url(self) -> str: ...


class HttpClient:
    """Base URL, admin token and the two ways of calling: `request` and `call`."""

    def __init__(
        self,
        url: str | HasUrl,
        *,
        admin_token: str = "",
        token: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        """Talk to the simulator at `url`.

        `url` is the base URL (`http://127.0.0.1:7777`) or a running `Simulator`.
        `admin_token` is sent as `Authorization: Bearer` on `/_sim/` calls (needed
        when the simulator is bound off loopback with `MEDIA77_SIM_ADMIN_TOKEN`).
        `token` is the Activity Progress API token `report()` uses by default;
        without it, the default organization's, asked for on first use.
        """
        self._url = (url if isinstance(url, str) else url.url).rstrip("/")
        self.admin_token = admin_token
        self.timeout = timeout
        self._given_token = token
        self._cached_token: str | None = None

    @property
    def url(self) -> str:
        """The simulator's base URL, without a trailing slash."""
        return self._url

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        query: dict[str, Any] | None = None,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Any call, never raising on status: for tests of error answers.

        `body` is sent as JSON, `raw` as the bytes given; `query` values are
        URL-encoded (None values left out).
        """
        query = {k: v for k, v in (query or {}).items() if v is not None}
        url = self._url + path + (f"?{urlencode(query)}" if query else "")
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        request = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.admin_token and path.startswith("/_sim/"):
            request.add_header("Authorization", f"Bearer {self.admin_token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                return Response(answer.status, dict(answer.headers), _decode(answer.read()))
        except urllib.error.HTTPError as error:
            return Response(error.code, dict(error.headers), _decode(error.read()))

    def call(
        self, method: str, path: str, body: Any = None, **options: Unpack[RequestOptions]
    ) -> Any:
        """A call that must succeed: its parsed JSON, or `SimulatorError` on 4xx/5xx.
        `options` are `request`'s: `query`, `raw`, `headers`."""
        response = self.request(method, path, body, **options)
        if response.status >= 400:
            raise SimulatorError(response.status, response.body)
        return response.body

    @property
    def token(self) -> str:
        """The Activity Progress API token `report()` uses by default.

        The one given to the constructor, else the default organization's (the
        first of `/_sim/organizations`), asked for once and kept until `reset()`.
        """
        if self._given_token:
            return self._given_token
        if self._cached_token is None:
            self._cached_token = str(self.call("GET", "/_sim/organizations")[0]["token"])
        return self._cached_token

    def _forget(self) -> None:
        """Drop what was cached from the simulator's state (after a reset)."""
        self._cached_token = None


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
