"""Bundle windows: transactions wait per subscription until the window closes or the
bundle is full, then enter the durable outbox as one bundle.

The grouping rule is `core.bundling`; this module owns only the window timers on
the simulator's clock and the hand-over to the outbox.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence

from simulator.clock import Clock
from simulator.core.bundling import Pending, accept, bundle_body, close_window
from simulator.core.records import Transaction
from simulator.core.subscriptions import Subscription
from simulator.store.webhooks import WebhookStore
from simulator.webhooks.pacing import Pacer
from simulator.webhooks.tasks import report_failure

Accepted = Callable[[str], None]  # told the subscription whose outbox got new bundles
_ENCODER = json.JSONEncoder(separators=(",", ":"), check_circular=False)
_NOTHING = Pending()  # frozen: one shared empty window, not a new one per transaction
# Bodies encoded lately, by their transactions: every subscription of an organization
# bundles the same transactions at the same moment, and a transaction never changes,
# so one encoding serves them all (a few recent ones suffice: windows close together).
_BODIES_KEPT = 32


def encode(body: dict[str, list[object]]) -> bytes:
    """A bundle's request body, encoded once: the outbox keeps these bytes and every
    attempt sends them as they are (plain JSON records cannot hold a cycle)."""
    return _ENCODER.encode(body).encode()


class Bundler:
    def __init__(
        self, clock: Clock, db: WebhookStore, accepted: Accepted, pacer: Pacer | None = None
    ) -> None:
        self.clock = clock
        self.db = db
        self._accepted = accepted
        self.pacer = pacer if pacer is not None else Pacer()
        self._pending: dict[str, Pending] = {}
        self._windows: dict[str, asyncio.Task[None]] = {}
        self._bodies: dict[tuple[int, ...], bytes] = {}

    def buffer(self, sub: Subscription, transactions: Sequence[Transaction]) -> None:
        """Take `transactions` for `sub`: full bundles leave now, the rest waits for the window."""
        pending, full = accept(self._pending.get(sub.id, _NOTHING), transactions, sub.max_bundle)
        self._pending[sub.id] = pending
        if full:
            self._emit(sub.id, full)
        if not pending.transactions:
            return
        if sub.bundle_window_ms == 0:
            self.flush(sub.id)
        elif sub.id not in self._windows:
            task = asyncio.get_running_loop().create_task(
                self._window(sub.id, sub.bundle_window_ms / 1000.0)
            )
            self._windows[sub.id] = task
            self.clock.track(task)
            task.add_done_callback(report_failure)

    async def _window(self, sub_id: str, seconds: float) -> None:
        try:
            await self.clock.sleep(seconds)
            await self.pacer.step()  # the organization's windows close together: a few per turn
        finally:
            if self._windows.get(sub_id) is asyncio.current_task():
                del self._windows[sub_id]
        with self.db.grouped():  # a commit shared with the turn's other webhook writes
            self.flush(sub_id)

    def flush(self, sub_id: str) -> None:
        """Close `sub_id`'s window now: whatever waits becomes a bundle."""
        pending, bundles = close_window(self._pending.get(sub_id, _NOTHING))
        self._pending[sub_id] = pending
        if bundles:
            self._emit(sub_id, bundles)

    def _emit(self, sub_id: str, groups: Sequence[Sequence[Transaction]]) -> None:
        bundles = []
        for group in groups:
            ids = tuple(t["transactionId"] for t in group)
            body = self._bodies.get(ids)
            if body is None:
                if len(self._bodies) >= _BODIES_KEPT:
                    self._bodies.clear()
                body = self._bodies[ids] = encode(bundle_body(group))
            bundles.append((body, ids))
        made = self.db.add_bundles(sub_id, bundles, self.clock.now())
        if made:
            self._accepted(sub_id)

    def forget(self, sub_id: str) -> None:
        """Drop `sub_id`'s window and whatever waits in it (flush first to keep it)."""
        window = self._windows.pop(sub_id, None)
        if window is not None:
            window.cancel()
        self._pending.pop(sub_id, None)

    def cancel_all(self) -> list[asyncio.Task[None]]:
        """Cancel every window timer; returns the tasks, for the caller to await."""
        tasks = list(self._windows.values())
        for task in tasks:
            task.cancel()
        self._windows.clear()
        self._pending.clear()
        return tasks
