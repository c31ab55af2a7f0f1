"""What a launch did: its own module so the simulation and the launch log both use it
without importing each other."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.core.launch import Problem
from simulator.core.organizations import Organization
from simulator.core.progress import Registration


@dataclass(frozen=True)
class LaunchOutcome:
    """What a launch did: a registration (new or resumed), or the problems that stopped it."""

    registration: Registration | None
    created: bool
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()
    organization: Organization | None = None
    launch_id: int = 0  # its entry in the launch log (GET /_sim/launches)
