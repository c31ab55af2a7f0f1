"""Answer a write only once it is committed, committing the writes of a moment together.

A request that may write (any method but GET, HEAD and OPTIONS) runs with deferred
commits: its writes join the group the store commits at the next turn of the event
loop (`store/commits.py`), and the answer, success or error, waits for that commit.
Many concurrent writes then share one commit rather than each paying for its own
(issue 14); none is acknowledged before it is durable.
"""

from __future__ import annotations

from aiohttp import web

from simulator.web.errors import Handler
from simulator.web.keys import runtime

READS = frozenset({"GET", "HEAD", "OPTIONS"})


async def answered_when_durable(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`handler`'s answer to a request that may write, once its writes are committed
    (the application's middleware calls it for any method not in `READS`)."""
    sim = runtime(request).simulation
    try:
        with sim.deferred_commits():
            return await handler(request)
    finally:
        await sim.durable()
