"""pytest fixtures for testing an integration against the simulator.

Installed with the package (entry point `pytest11`), so any project that depends
on media77-simulator gets them:

- `media77_sim`: a client of one simulator per test session (virtual clock,
  in-memory store), reset before each test.
- `media77_sim_server`: the `Simulator` itself, for its URL, token and launch URLs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.client import Response, SimulatorClient
from simulator.server import Simulator

__all__ = ["SimHelper", "media77_sim", "media77_sim_server"]

CLOCK_START = "2026-01-05T09:00:00Z"


class SimHelper(SimulatorClient):
    """The client, plus what a test of an integration keeps needing."""

    def __init__(self, server: Simulator) -> None:
        super().__init__(server.url)
        self.server = server

    @property
    def token(self) -> str:
        """The default organization's progress-API token."""
        return self.server.token

    def launch_url(self, course_id: str | None = None, **kwargs: Any) -> str:
        return self.server.launch_url(course_id, **kwargs)

    def start_course(
        self,
        course_id: str = "workplace-safety",
        *,
        email: str = "ada.lovelace@example.com",
        name: str = "Ada Lovelace",
        reg: str | None = None,
    ) -> dict[str, Any]:
        """Launch a course for a learner of the default organization; returns the registration."""
        org = self.default_organization()
        env = self.health()["environment"]
        return self.launch(
            course_id, reg or str(uuid.uuid4()), email, name, "localhost", org["lmsIds"][env]
        )

    # -- webhooks (issue 5: the webhook delivery engine) --------------------------------------

    def add_webhook(self, url: str, **fields: Any) -> dict[str, Any]:
        """Subscribe (default organization unless `organizationId=`); fields in camelCase."""
        return self.call("POST", "/_sim/webhooks", {"url": url, **fields})

    def add_receiver_webhook(self, receiver: Any, **fields: Any) -> dict[str, Any]:
        """Subscribe a `Receiver`, trusting its CA when it serves HTTPS."""
        if receiver.ca_pem:
            fields.setdefault("ca", receiver.ca_pem.decode())
        elif receiver.url.startswith("http:"):
            fields.setdefault("allowInsecure", True)
        return self.add_webhook(receiver.url, **fields)

    def webhooks(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_sim/webhooks")

    def webhook(self, webhook_id: str) -> dict[str, Any]:
        return self.call("GET", f"/_sim/webhooks/{webhook_id}")

    def update_webhook(self, webhook_id: str, **fields: Any) -> dict[str, Any]:
        return self.call("PATCH", f"/_sim/webhooks/{webhook_id}", fields)

    def delete_webhook(self, webhook_id: str) -> None:
        self.call("DELETE", f"/_sim/webhooks/{webhook_id}")

    def outage(
        self,
        webhook_id: str,
        *,
        duration: float | None = None,
        end: str | None = None,
        start: str | None = None,
        mode: str = "refuse",
    ) -> dict[str, Any]:
        """An outage window on the simulator's clock (from now unless `start`)."""
        body: dict[str, Any] = {"mode": mode}
        for name, value in (("duration", duration), ("end", end), ("start", start)):
            if value is not None:
                body[name] = value
        return self.call("POST", f"/_sim/webhooks/{webhook_id}/outages", body)

    def clear_outages(self, webhook_id: str) -> int:
        return self.call("DELETE", f"/_sim/webhooks/{webhook_id}/outages")["cleared"]

    @staticmethod
    def _delivery_query(filters: dict[str, Any]) -> dict[str, Any]:
        names = {"webhook_id": "webhookId", "bundle_id": "bundleId"}
        return {names.get(k, k): v for k, v in filters.items() if v is not None}

    def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        """The delivery log; filters: webhook_id, bundle_id, outcome, after, limit."""
        return self.call("GET", "/_sim/deliveries", query=self._delivery_query(filters))

    def wait_for_deliveries(
        self, count: int, timeout: float = 10.0, **filters: Any
    ) -> list[dict[str, Any]]:
        """Block until `count` logged attempts match the filters; TimeoutError otherwise."""
        query = {"count": count, "timeout": timeout, **self._delivery_query(filters)}
        answer = self.call("GET", "/_sim/deliveries/wait", query=query)
        if answer["timedOut"]:
            raise TimeoutError(
                f"{answer['count']} of {count} delivery attempts within {timeout:g} s: "
                f"{answer['deliveries']}"
            )
        return answer["deliveries"]

    def missed(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        """The missed ledger: transactions the webhook dropped for good."""
        query = {"webhookId": webhook_id} if webhook_id else None
        return self.call("GET", "/_sim/missed", query=query)

    # -- end of webhooks (issue 5) -------------------------------------------------------------

    def report(self, token: str | None = None, **fields: Any) -> Response:
        """The Activity Progress API as the default organization (or `token`'s)."""
        return super().report(self.token if token is None else token, **fields)


@pytest.fixture(scope="session")
def media77_sim_server() -> Iterator[Simulator]:
    with Simulator(clock_start=CLOCK_START) as server:
        yield server


@pytest.fixture
def media77_sim(media77_sim_server: Simulator) -> SimHelper:
    helper = SimHelper(media77_sim_server)
    helper.reset()
    return helper


# -- media77_receiver (issue 5: the local webhook receiver) ------------------------------------
# Kept in its own block: one HTTPS receiver per session, cleared before each test.

from simulator.receiver import Receiver  # noqa: E402

__all__ += ["media77_receiver", "media77_receiver_server"]


@pytest.fixture(scope="session")
def media77_receiver_server() -> Iterator[Receiver]:
    """One HTTPS `Receiver` (threaded, fresh trustme CA) for the whole session."""
    with Receiver(tls=True) as receiver:
        yield receiver


@pytest.fixture
def media77_receiver(media77_receiver_server: Receiver) -> Receiver:
    """The session's HTTPS receiver, cleared: nothing received, no script, settings as built.

    Give the simulator `media77_receiver.url` and trust `media77_receiver.ca_path`.
    """
    media77_receiver_server.clear()
    return media77_receiver_server
