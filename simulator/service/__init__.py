"""Application services: core rules applied to stored state, transactions announced.

Handlers in `simulator.web` call these and never the store; errors are raised as
`simulator.core.errors` classes, which the web layer renders in one place.
"""

from __future__ import annotations

from simulator.core.errors import Conflict, NotFound
from simulator.service.outcome import LaunchOutcome
from simulator.service.simulation import Listener, Simulation, member_number

__all__ = ["Conflict", "LaunchOutcome", "Listener", "NotFound", "Simulation", "member_number"]
