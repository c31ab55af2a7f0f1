"""The webhook engine's life cycle: start, recover from the durable outbox, stop.

It composes the three parts that do the work — the subscription `Registry`, the
`Bundler` (window timers) and the `DeliveryWorker` (attempts) — and is what the
composition root builds, starts and stops. Reset is a rebuild: stop this engine
(every task and clock timer it started ends), empty the store, build a new engine
and start it; `start` recovers everything it needs from the store.

Transactions arrive through `Simulation.subscribe` inside request handlers, so the
listener only buffers and starts timers; every task is `clock.track`ed, so
`POST /_sim/clock` answers only after the bundles and retries it made due were
really attempted.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from simulator.config import ConfigError
from simulator.core.dates import to_iso_ms
from simulator.core.delivery import DropReason
from simulator.core.faults import Outage, parse_outage
from simulator.core.records import Transaction
from simulator.core.subscriptions import Subscription
from simulator.service import Simulation
from simulator.service.events import EventFeed
from simulator.store.webhooks import WebhookStore
from simulator.webhooks import transport
from simulator.webhooks.bundler import Bundler
from simulator.webhooks.pacing import Pacer
from simulator.webhooks.registry import Registry
from simulator.webhooks.worker import DeliveryWorker


class _Listener:
    """What the simulation calls with new transactions. `Simulation` offers no way to
    unsubscribe, so a stopped engine disconnects this (and can be collected)."""

    def __init__(self, engine: WebhookEngine) -> None:
        self.engine: WebhookEngine | None = engine

    def __call__(self, transactions: Sequence[Transaction]) -> None:
        if self.engine is not None:
            self.engine.on_transactions(transactions)


class WebhookEngine:
    def __init__(self, sim: Simulation, events: EventFeed | None = None) -> None:
        self.sim = sim
        self.events = events
        self.clock = sim.clock
        self.db = WebhookStore(sim.store)
        self.registry = Registry(sim, self.db)
        pacer = Pacer()  # one for both: windows and attempts share the turns they may take
        self.worker = DeliveryWorker(
            self.clock,
            self.db,
            self.registry,
            webhook_ca=sim.config.webhook_ca,
            on_logged=self._notify,
            on_dropped=events.missed if events is not None else lambda _missed: None,
            pacer=pacer,
        )
        self.bundler = Bundler(self.clock, self.db, self.worker.dispatch, pacer)
        self._changed = asyncio.Event()
        self._listener: _Listener | None = None
        self._running = False
        self._cancelled: list[asyncio.Task[None]] = []

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the subscriptions, resume the outbox, bundle what was never bundled."""
        if self.sim.config.webhook_ca:
            try:
                transport.tls_context(self.sim.config.webhook_ca)
            except (OSError, ssl.SSLError, ValueError) as error:
                raise ConfigError(f"--webhook-ca {self.sim.config.webhook_ca}: {error}") from None
        self._running = True
        self.worker.open = True
        self._listener = _Listener(self)
        self.sim.subscribe(self._listener)
        try:
            self.registry.load()
            self.registry.ensure_config_subscription()
            self._recover()
        except BaseException:
            await self.stop()
            raise

    def halt(self) -> None:
        """Stop taking work, at once: no more transactions, open windows bundled into
        the outbox, cursors moved to the last transaction, every task and clock timer
        cancelled. Only a crash leaves transactions to be bundled again on start
        (seeded history never is). `stop` awaits what this cancelled."""
        if self._listener is not None:
            self._listener.engine = None
            self._listener = None
        if self._running:
            self._running = False
            self.worker.open = False  # what the flush below bundles waits in the outbox
            for sub in self.registry.all():
                self.bundler.flush(sub.id)
            last = self.sim.store.last_transaction_id()
            for sub in self.registry.all():
                self.db.set_cursor(sub.id, last, clean_stop=True)
        self._cancelled += [*self.bundler.cancel_all(), *self.worker.cancel_all()]

    async def stop(self) -> None:
        """Stop without losing anything (unfinished bundles stay in the outbox), leaving
        no task, clock timer or connection behind (the worker's cancelled tasks include
        closing its connections)."""
        self.halt()
        tasks, self._cancelled = self._cancelled, []
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    @property
    def running(self) -> bool:
        return self._running

    def _recover(self) -> None:
        """After a restart: resume what was never finished, bundle what was never bundled."""
        for bundle in self.db.outbox():
            if self.registry.get(bundle.webhook_id) is None:
                self.worker.drop(bundle, DropReason.SUBSCRIPTION_DELETED)
        stored = {s.id: s for s in self.db.subscriptions()}
        last = self.sim.store.last_transaction_id()
        for sub in self.registry.all():
            cursor = stored[sub.id].cursor
            if stored[sub.id].clean_stop:
                cursor = max(cursor, last)
            while True:
                batch = self.sim.store.transactions(after=cursor, limit=1000)
                if not batch:
                    break
                cursor = batch[-1]["transactionId"]
                mine = [t for t in batch if t["organizationId"] == sub.organization_id]
                if mine:
                    self.bundler.buffer(sub, mine)
            self.db.set_cursor(sub.id, cursor)
            self.bundler.flush(sub.id)
            self.worker.dispatch(sub.id)

    def on_transactions(self, transactions: Sequence[Transaction]) -> None:
        """New transactions: each subscription buffers those of its organization."""
        if not self._running:
            return
        for sub in self.registry.all():
            mine = [t for t in transactions if t["organizationId"] == sub.organization_id]
            if mine:
                self.bundler.buffer(sub, mine)

    # -- the control API --------------------------------------------------------------------

    def subscriptions(self, organization_id: str | None = None) -> list[Subscription]:
        return self.registry.all(organization_id)

    def subscription(self, sub_id: str) -> Subscription:
        """The subscription, or NotFound."""
        return self.registry.require(sub_id)

    def create(self, data: Mapping[str, Any]) -> Subscription:
        return self.registry.create(data)

    def update(self, sub_id: str, data: Mapping[str, Any]) -> Subscription:
        before, after = self.registry.update(sub_id, data)
        self.worker.updated(before, after)
        return after

    def delete(self, sub_id: str) -> None:
        """Stop delivering; whatever was still owed goes on the missed ledger."""
        self.registry.require(sub_id)
        self.bundler.flush(sub_id)
        self.bundler.forget(sub_id)
        self.worker.forget(sub_id)
        for bundle in self.db.outbox(sub_id):
            self.worker.drop(bundle, DropReason.SUBSCRIPTION_DELETED)
        self.registry.forget(sub_id)

    def add_outage(self, sub_id: str, data: Mapping[str, Any]) -> Outage:
        self.registry.require(sub_id)
        start, end, mode = parse_outage(data, self.clock.now())
        outage = self.registry.add_outage(sub_id, start, end, mode)
        if self.events is not None:
            self.events.outage_start({"webhookId": sub_id, **outage.to_json()})
        return outage

    def outages(self, sub_id: str) -> list[Outage]:
        return self.registry.outages(sub_id)

    def clear_outages(self, sub_id: str) -> int:
        cleared = self.registry.clear_outages(sub_id)
        if self.events is not None:
            self.events.outage_end({"webhookId": sub_id, "at": to_iso_ms(self.clock.now())})
        return cleared

    def pending_bundles(self, sub_id: str) -> int:
        return self.worker.owed(sub_id)

    def describe(self, sub: Subscription) -> dict[str, Any]:
        """A subscription as the control API shows it: with its outages and bundles owed."""
        return {
            **sub.to_json(),
            "outages": [o.to_json() for o in self.registry.outages(sub.id)],
            "pendingBundles": self.worker.owed(sub.id),
        }

    # -- delivery log and missed ledger -------------------------------------------------------

    def deliveries(self, *, limit: int, **filters: Any) -> tuple[list[dict[str, Any]], int]:
        return self.db.deliveries(limit=limit, **filters)

    def missed(self, webhook_id: str | None = None) -> list[dict[str, Any]]:
        return self.db.missed(webhook_id)

    def _notify(self, row: dict[str, Any]) -> None:
        if self.events is not None:
            self.events.attempt(row)
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for_deliveries(
        self, count: int, wait_s: float, **filters: Any
    ) -> tuple[list[dict[str, Any]], bool]:
        """Long poll: as soon as `count` logged attempts match, or after `wait_s` real s."""
        started = self.clock.monotonic()
        while True:
            rows, total = self.db.deliveries(limit=count, **filters)
            if total >= count:
                return rows, False
            remaining = wait_s - (self.clock.monotonic() - started)
            if remaining <= 0:
                return rows, True
            with contextlib.suppress(TimeoutError):
                await self.clock.wait_real(self._changed.wait(), remaining)

    def now(self) -> datetime:
        return self.clock.now()
