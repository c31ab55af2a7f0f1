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
