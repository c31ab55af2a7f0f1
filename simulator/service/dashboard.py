"""What the dashboard needs at load time, before the event stream takes over.

The page asks once for this snapshot, then follows `GET /_sim/events` from the
snapshot's `lastEventId`, so nothing happens between the two unseen. Everything
here is a count or a bounded list: the page must stay small whatever the store holds.
"""

from __future__ import annotations

from typing import Any

from simulator.core.dates import to_iso_ms
from simulator.core.report_query import ReportQuery
from simulator.service.simulation import Simulation
from simulator.store.reports import ReportStore

RECENT_ATTEMPTS = 1_000  # the timelines' history at load; older attempts are counted only
RECENT_MISSED = 500


def registration_counts(sim: Simulation, reports: ReportStore) -> dict[str, int]:
    """Registrations and completed registrations, over every organization."""
    _, total = sim.store.list_registrations(limit=1)
    completed = sum(
        reports.total(org.id, ReportQuery(token=org.token, completed=True))
        for org in sim.store.organizations()
    )
    return {"registrations": total, "completions": completed}


def clock_state(sim: Simulation) -> dict[str, Any]:
    return {"now": to_iso_ms(sim.clock.now()), "virtual": sim.clock.is_virtual}


def quota_rows(sim: Simulation, statuses: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Quota per token, with the organization's name for the tile."""
    names = {o.id: o.name for o in sim.store.organizations()}
    return [{**s, "name": names.get(s["organizationId"], "")} for s in statuses]
