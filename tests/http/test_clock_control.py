"""`POST /_sim/clock`'s rules on a real socket: virtual only, finite, forward, bounded."""

from __future__ import annotations

import pytest

from simulator.client import SimulatorClient
from simulator.pytest_plugin import SimHelper
from simulator.server import Simulator


@pytest.mark.parametrize(
    "raw",
    [b'{"advance": NaN}', b'{"advance": Infinity}', b'{"advance": 1e12}', b'{"advance": true}'],
)
def test_only_a_finite_number_of_seconds_moves_the_clock(sim: SimHelper, raw: bytes) -> None:
    before = sim.now()
    answer = sim.request("POST", "/_sim/clock", raw=raw)
    assert answer.status == 400 and answer.body["field"] == "advance"
    assert sim.now() == before


def test_advance_and_set_together_are_refused(sim: SimHelper) -> None:
    answer = sim.request("POST", "/_sim/clock", {"advance": 1, "set": "2030-01-01T00:00:00Z"})
    assert answer.status == 400 and answer.body["error"] == "invalid_request"


def test_the_system_clock_cannot_be_moved() -> None:
    with Simulator(clock="system") as server:
        client = SimulatorClient(server.url)
        answer = client.request("POST", "/_sim/clock", {"advance": 60})
        assert answer.status == 409 and answer.body["error"] == "clock_not_virtual"
        assert client.call("GET", "/_sim/clock")["virtual"] is False
