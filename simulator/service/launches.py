"""The launch log as the control API and the dashboard read it (`GET /_sim/launches`)."""

from __future__ import annotations

from typing import Any

from simulator.core.launch_filter import LaunchFilter
from simulator.service.launch_log import LogRow, entry_of
from simulator.store import Store
from simulator.store import launches as launches_store


class LaunchLog:
    def __init__(self, store: Store) -> None:
        self.store = store

    def page(self, wanted: LaunchFilter) -> tuple[list[dict[str, Any]], int]:
        """A page of the log, newest first, and the total the filters match."""
        rows, total = launches_store.list_launches(self.store, wanted.checked())
        return [{"id": row[0], "at": row[1], **entry_of(LogRow(*row[2:]))} for row in rows], total
