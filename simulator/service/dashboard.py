"""The data `GET /_sim/dashboard` renders: organizations, latest registrations, launches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.core.organizations import Organization
from simulator.core.progress import Registration
from simulator.service.launches import LaunchLog
from simulator.service.simulation import Simulation

LATEST = 25


@dataclass(frozen=True)
class DashboardData:
    environment: str
    now: datetime
    organizations: list[Organization]
    registrations: list[Registration]
    registrations_total: int
    launches: list[dict[str, Any]]
    launches_total: int


def dashboard_data(sim: Simulation, latest: int = LATEST) -> DashboardData:
    """A snapshot of what the simulator holds, newest first."""
    states, total = sim.store.list_registrations(limit=latest)
    entries, launches_total = LaunchLog(sim.store).page(limit=latest)
    return DashboardData(
        environment=sim.config.environment,
        now=sim.clock.now(),
        organizations=sim.store.organizations(),
        registrations=states,
        registrations_total=total,
        launches=entries,
        launches_total=launches_total,
    )
