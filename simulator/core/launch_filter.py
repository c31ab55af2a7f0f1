"""Which launch-log entries to list (`GET /_sim/launches`): one value from the handler,
through the service (which checks it), to the store (which turns it into SQL)."""

from __future__ import annotations

from msgspec import Struct
from msgspec.structs import replace

from simulator.core.errors import BadRequest

OUTCOMES = ("created", "resumed", "rejected")


class LaunchFilter(Struct, frozen=True):
    registration: str | None = None
    course_id: str | None = None
    outcome: str | None = None
    limit: int = 100
    offset: int = 0

    def checked(self) -> LaunchFilter:
        """The filter as the store reads it: a known outcome; `reg` in lower case (D-L4)."""
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise BadRequest(f"outcome must be one of {', '.join(OUTCOMES)}", "outcome")
        if self.registration is None:
            return self
        return replace(self, registration=self.registration.lower())
