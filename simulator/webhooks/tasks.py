"""What every background task of the engine shares."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("simulator.webhooks")


def report_failure(task: asyncio.Task[None]) -> None:
    """A bug in delivery must be seen in the log, not vanish with its task."""
    if not task.cancelled() and task.exception() is not None:
        log.error("webhook delivery task failed", exc_info=task.exception())
