"""The launch log as the control API and the dashboard read it (`GET /_sim/launches`)."""

from __future__ import annotations

from typing import Any

from simulator.core.errors import BadRequest
from simulator.store import Store
from simulator.store import launches as launches_store

OUTCOMES = launches_store.OUTCOMES


class LaunchLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def page(
        self,
        *,
        registration: str | None = None,
        course_id: str | None = None,
        outcome: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], int]:
        """A page of the log, newest first, and the total the filters match."""
        if outcome is not None and outcome not in OUTCOMES:
            raise BadRequest(f"outcome must be one of {', '.join(OUTCOMES)}", "outcome")
        return launches_store.list_launches(
            self.store,
            registration=registration.lower() if registration is not None else None,
            course_id=course_id,
            outcome=outcome,
            limit=limit,
            offset=offset,
        )
