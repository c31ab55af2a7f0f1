"""Typed keys for what the application carries: the runtime, nothing else.

Handlers read `request.app[RUNTIME]` at every request and take the part they
need (`runtime.simulation`, `runtime.quotas`, ...), because a reset replaces them.

`SIMULATION` and `live_engine` are transitional, for `web/webhooks.py` until it
reads the runtime itself: they answer with the runtime's current parts.
"""

from __future__ import annotations

from typing import Any, cast

from aiohttp import web

from simulator.runtime import Runtime
from simulator.service import Simulation
from simulator.webhooks.engine import WebhookEngine

RUNTIME = web.AppKey("runtime", Runtime)


def runtime(request: web.Request) -> Runtime:
    return request.app[RUNTIME]


class _Current:
    """Forwards every attribute to the runtime's current `part` (transitional)."""

    def __init__(self, owner: Runtime, part: str) -> None:
        self._owner = owner
        self._part = part

    def __getattr__(self, name: str) -> Any:
        return getattr(getattr(self._owner, self._part), name)


SIMULATION = web.AppKey("simulation", Simulation)


def live_simulation(owner: Runtime) -> Simulation:
    """What `app[SIMULATION]` holds: always the runtime's current simulation."""
    return cast(Simulation, _Current(owner, "simulation"))


def live_engine(owner: Runtime) -> WebhookEngine:
    """What web/webhooks.py's `WEBHOOKS` key holds: always the runtime's current engine."""
    return cast(WebhookEngine, _Current(owner, "engine"))
