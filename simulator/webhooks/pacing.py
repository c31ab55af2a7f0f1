"""A few webhook steps per turn of the event loop, so that waves of them never
hold up the API served by the same loop.

Webhook work comes in waves: every subscription of an organization sees the same
transactions, so their bundle windows close in the same instant, and attempts that
failed together fall due for their retries together. Run as they fall due, a wave is
one turn of the loop doing dozens of steps (each a few SQLite statements and some
bookkeeping, a few hundred µs): under eleven failing endpoints, turns of 5-15 ms,
and every request that arrived meanwhile waited for the whole turn (issue 13,
`benchmarks/hostile.py`). Paced, at most `per_turn` steps start in one turn; the
others wait for the next ones, and the loop polls its sockets in between, so a
request waits for a few steps at most. A wave still ends within a few ms.
"""

from __future__ import annotations

import asyncio
from collections import deque

PER_TURN = 2


class Pacer:
    """Await `step()` before a unit of webhook work; at most `per_turn` pass per turn."""

    def __init__(self, per_turn: int = PER_TURN) -> None:
        self.per_turn = per_turn
        self._passed = 0  # in the current turn
        self._waiting: deque[asyncio.Future[None]] = deque()
        self._turn_ends = False  # a call_soon of `_next_turn` is queued

    async def step(self) -> None:
        if self._passed < self.per_turn and not self._waiting:
            self._passed += 1
            self._count_turn()
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)
        self._count_turn()
        await waiter  # cancelled while waiting: `_next_turn` skips it

    def _count_turn(self) -> None:
        """`_next_turn` runs in the loop's next turn (call_soon), ending this one."""
        if not self._turn_ends:
            self._turn_ends = True
            asyncio.get_running_loop().call_soon(self._next_turn)

    def _next_turn(self) -> None:
        self._turn_ends = False
        self._passed = 0
        while self._waiting and self._passed < self.per_turn:
            waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)  # its task runs in the turn after this one
                self._passed += 1
        if self._waiting:
            self._count_turn()
