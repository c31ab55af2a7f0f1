"""A small synchronous client for a running simulator (stdlib only).

Used by the pytest plugin, the `learners` command and integrators' own scripts:
one method per control-API call, answers as parsed JSON.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode


class SimulatorError(Exception):
    """A 4xx/5xx answer: `status` and the JSON error body."""

    def __init__(self, status: int, body: Any) -> None:
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"{status}: {message}")
        self.status = status
        self.body = body


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any

    def json(self) -> Any:
        return self.body


class SimulatorClient:
    def __init__(self, url: str, *, admin_token: str = "", timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.admin_token = admin_token
        self.timeout = timeout

    # -- plumbing -----------------------------------------------------------------------------

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
        """Any call, never raising on status: for tests of error answers."""
        url = self.url + path + (f"?{urlencode(query)}" if query else "")
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

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """A call that must succeed: its JSON, or `SimulatorError`."""
        response = self.request(method, path, body, **kwargs)
        if response.status >= 400:
            raise SimulatorError(response.status, response.body)
        return response.body

    # -- control API --------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self.call("GET", "/_sim/health")

    def reset(self) -> None:
        self.call("POST", "/_sim/reset")

    def now(self) -> str:
        return self.call("GET", "/_sim/clock")["now"]

    def advance(self, seconds: float) -> dict[str, Any]:
        """Move the virtual clock; due timers (retries, bundle windows) run first."""
        return self.call("POST", "/_sim/clock", {"advance": seconds})

    def set_clock(self, iso: str) -> dict[str, Any]:
        return self.call("POST", "/_sim/clock", {"set": iso})

    def catalog(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/catalog")["courses"]

    def organizations(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/organizations")

    def default_organization(self) -> dict[str, Any]:
        return self.organizations()[0]

    def launch(
        self, course_id: str, reg: str, em: str, fn: str, dom: str, lms_id: str
    ) -> dict[str, Any]:
        """A launch without a browser (same validation as the player page)."""
        body = {"courseId": course_id, "reg": reg, "em": em, "fn": fn, "dom": dom, "lmsId": lms_id}
        return self.call("POST", "/_sim/registrations", body)

    def registration(self, reg: str) -> dict[str, Any]:
        return self.call("GET", f"/_sim/registrations/{reg}")

    def set_progress(self, reg: str, progress: int) -> dict[str, Any]:
        return self.call("POST", f"/_sim/registrations/{reg}/progress", {"progress": progress})

    def complete(self, reg: str) -> dict[str, Any]:
        return self.call("POST", f"/_sim/registrations/{reg}/complete")

    def launches(self, **filters: Any) -> list[dict[str, Any]]:
        """The launch log, newest first (filters: registration, courseId, outcome, limit)."""
        return self.call("GET", "/_sim/launches", query=filters or None)

    # -- Activity Progress API ------------------------------------------------------------

    def report(self, token: str | None = None, **fields: Any) -> Response:
        """`POST /api/reports/progress` with `token` (none when None) and any fields.

        Never raises on status: the `Response` has status, headers (`X-Total-Count`,
        `RateLimit`) and the parsed body. `SimHelper.report` defaults the token to
        the default organization's.
        """
        body = dict(fields)
        if token is not None:
            body = {"token": token, **body}
        return self.request("POST", "/api/reports/progress", body)


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
