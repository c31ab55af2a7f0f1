"""The webhook engine: bundles each subscription's transactions on the clock,
keeps them in the durable outbox, POSTs them, retries by the schedule, and drops
them onto the missed ledger when the schedule runs out — as the vendor does.

Everything here runs on the simulator's event loop. Transactions arrive through
`Simulation.subscribe` inside request handlers, so the listener only buffers and
starts timers; every task it starts is `clock.track`ed, so `POST /_sim/clock`
answers only after the bundles and retries it made due were really attempted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import aiohttp

from simulator.config import Config, ConfigError
from simulator.core import retry
from simulator.core.bundling import Pending, accept, bundle_body, close_window
from simulator.core.faults import Outage, Scripted, active_outage, decide
from simulator.core.records import Transaction
from simulator.core.subscriptions import Subscription, SubscriptionError, parse_subscription
from simulator.service import Simulation
from simulator.store.webhooks import OutboxBundle, WebhookStore
from simulator.webhooks import transport
from simulator.webhooks.slots import Slots
from simulator.webhooks.transport import Outcome

log = logging.getLogger("simulator.webhooks")

REASON_RETRIES = "retries exhausted"
REASON_DROP = "injected drop"
REASON_DELETED = "subscription deleted"


def config_subscription_fields(config: Config) -> dict[str, Any]:
    """The subscription `serve --webhook-url ...` asks for."""
    return {
        "url": config.webhook_url,
        "auth": config.webhook_auth,
        "tokenName": config.webhook_token_name or "access_token",
        "tokenValue": config.webhook_token_value,
    }


def _registrations(bundle: OutboxBundle) -> dict[int, str]:
    return {
        record["transactionId"]: record["registration"]
        for records in bundle.body.values()
        for record in records
    }


def _report_failure(task: asyncio.Task[None]) -> None:
    """A bug in delivery must be seen in the log, not vanish with its task."""
    if not task.cancelled() and task.exception() is not None:
        log.error("webhook delivery task failed", exc_info=task.exception())


class WebhookEngine:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.clock = sim.clock
        self.db = WebhookStore(sim.store)
        self._subs: dict[str, Subscription] = {}
        self._pending: dict[str, Pending] = {}
        self._windows: dict[str, asyncio.Task[None]] = {}
        self._tasks: dict[str, set[asyncio.Task[None]]] = {}
        self._slots: dict[str, Slots] = {}
        self._tls: dict[str, ssl.SSLContext] = {}
        self._outages: dict[str, list[Outage]] = {}
        self._session: aiohttp.ClientSession | None = None
        self._changed = asyncio.Event()
        self._running = False
        sim.subscribe(self._on_transactions)
        sim.on_reset(self._on_reset)

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        if self.sim.config.webhook_ca:
            try:
                transport.tls_context(self.sim.config.webhook_ca)
            except (OSError, ssl.SSLError, ValueError) as error:
                raise ConfigError(f"--webhook-ca {self.sim.config.webhook_ca}: {error}") from None
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, limit_per_host=64),
            timeout=aiohttp.ClientTimeout(total=None),
            headers={"User-Agent": transport.USER_AGENT},
        )
        self._running = True
        try:
            self._load()
            self._ensure_config_subscription()
            self._recover()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop without losing anything: unfinished bundles stay in the outbox.

        Open windows are bundled first, so the restart resumes them from the outbox,
        and every cursor moves to the last transaction: only a crash leaves
        transactions to be bundled again on start (seeded history never is).
        """
        if self._running:
            for sub_id in list(self._subs):
                self._flush(sub_id)
            last = self.sim.store.last_transaction_id()
            for sub_id in self._subs:
                self.db.set_cursor(sub_id, last, clean_stop=True)
        self._running = False
        tasks = [*self._windows.values(), *(t for ts in self._tasks.values() for t in ts)]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._windows.clear()
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _load(self) -> None:
        self._subs.clear()
        self._outages.clear()
        for stored in self.db.subscriptions():
            try:
                sub = self._parse(stored.body, stored.id, stored.organization_id)
            except SubscriptionError as error:  # a stored one from an older version
                log.warning("webhook %s cannot be loaded: %s", stored.id, error)
                continue
            self._subs[sub.id] = sub
            self._outages[sub.id] = self.db.outages(sub.id)

    def _parse(
        self, data: dict[str, Any], sub_id: str, org_id: str, base: Subscription | None = None
    ) -> Subscription:
        sub = parse_subscription(
            data,
            id=sub_id,
            organization_id=org_id,
            insecure_allowed_globally=self.sim.config.allow_insecure_webhooks,
            base=base,
        )
        if sub.ca:
            try:
                transport.tls_context(subscription_ca=sub.ca)
            except (ssl.SSLError, ValueError) as error:
                raise SubscriptionError(
                    f"ca is not a usable PEM certificate: {error}", "ca"
                ) from None
        return sub

    def _ensure_config_subscription(self) -> None:
        config = self.sim.config
        if not config.webhook_url:
            return
        fields = config_subscription_fields(config)
        existing = next((s for s in self.db.subscriptions() if s.from_config), None)
        try:
            if existing is None:
                sub_id = self.db.next_subscription_id()
                org = self.sim.store.default_organization().id
                sub = self._parse(fields, sub_id, org)
                self.db.add_subscription(sub.id, org, sub.to_json(), from_config=True)
            else:
                sub = self._parse(
                    fields, existing.id, existing.organization_id, self._subs.get(existing.id)
                )
                self.db.update_subscription(sub.id, sub.to_json())
        except SubscriptionError as error:
            raise ConfigError(f"--webhook-url: {error}") from None
        self._subs[sub.id] = sub
        self._outages.setdefault(sub.id, [])

    def _recover(self) -> None:
        """After a restart: bundle what was never bundled, resume what was never finished."""
        for bundle in self.db.outbox():
            if bundle.webhook_id in self._subs:
                self._spawn(bundle)
            else:
                self._drop(bundle, REASON_DELETED)
        stored = {s.id: s for s in self.db.subscriptions()}
        last = self.sim.store.last_transaction_id()
        for sub in self._subs.values():
            cursor = stored[sub.id].cursor
            if stored[sub.id].clean_stop:
                cursor = max(cursor, last)
            while True:
                batch = self.sim.store.transactions(after=cursor, limit=1000)
                if not batch:
                    break
                cursor = batch[-1]["transactionId"]
                mine = [t for t in batch if t["organizationId"] == sub.organization_id]
                self._buffer(sub, mine)
            self.db.set_cursor(sub.id, cursor)
            self._flush(sub.id)

    # -- subscriptions (control API) ------------------------------------------------------

    def subscriptions(self, organization_id: str | None = None) -> list[Subscription]:
        return [
            s
            for s in self._subs.values()
            if organization_id is None or s.organization_id == organization_id
        ]

    def subscription(self, sub_id: str) -> Subscription | None:
        return self._subs.get(sub_id)

    def create(self, data: dict[str, Any], organization_id: str) -> Subscription:
        sub = self._parse(data, self.db.next_subscription_id(), organization_id)
        self.db.add_subscription(sub.id, organization_id, sub.to_json(), from_config=False)
        self._subs[sub.id] = sub
        self._outages[sub.id] = []
        return sub

    def update(self, sub_id: str, data: dict[str, Any]) -> Subscription:
        current = self._subs[sub_id]
        if "organizationId" in data and data["organizationId"] != current.organization_id:
            raise SubscriptionError(
                "organizationId cannot change: delete and create the subscription",
                "organizationId",
            )
        if "id" in data and data["id"] != sub_id:
            raise SubscriptionError("id cannot change", "id")
        sub = self._parse(data, sub_id, current.organization_id, current)
        self.db.update_subscription(sub_id, sub.to_json())
        self._subs[sub_id] = sub
        self._tls.pop(sub_id, None)
        slots = self._slots.get(sub_id)
        if slots is not None and sub.max_in_flight != current.max_in_flight:
            slots.resize(sub.max_in_flight - current.max_in_flight)
        return sub

    def delete(self, sub_id: str) -> None:
        """Stop delivering; whatever was still owed goes on the missed ledger."""
        self._flush(sub_id)
        for task in self._tasks.pop(sub_id, set()):
            task.cancel()
        window = self._windows.pop(sub_id, None)
        if window is not None:
            window.cancel()
        for bundle in self.db.outbox(sub_id):
            self._drop(bundle, REASON_DELETED)
        self.db.delete_subscription(sub_id)
        self._subs.pop(sub_id, None)
        self._outages.pop(sub_id, None)
        self._pending.pop(sub_id, None)
        self._slots.pop(sub_id, None)
        self._tls.pop(sub_id, None)

    def add_outage(self, sub_id: str, start: Any, end: Any, mode: str) -> Outage:
        outage = self.db.add_outage(sub_id, start, end, mode)
        self._outages.setdefault(sub_id, []).append(outage)
        return outage

    def outages(self, sub_id: str) -> list[Outage]:
        return list(self._outages.get(sub_id, []))

    def clear_outages(self, sub_id: str) -> int:
        self._outages[sub_id] = []
        return self.db.clear_outages(sub_id)

    def pending_bundles(self, sub_id: str) -> int:
        return len(self._tasks.get(sub_id, ()))

    def _on_reset(self) -> None:
        for task in [*self._windows.values(), *(t for ts in self._tasks.values() for t in ts)]:
            task.cancel()
        self._windows.clear()
        self._tasks.clear()
        self._pending.clear()
        self._slots.clear()
        self._tls.clear()
        self._load()
        if self._running:
            self._ensure_config_subscription()
        self._notify()

    # -- bundling -------------------------------------------------------------------------

    def _on_transactions(self, transactions: Sequence[Transaction]) -> None:
        if not self._running:
            return
        for sub in self._subs.values():
            mine = [t for t in transactions if t["organizationId"] == sub.organization_id]
            if mine:
                self._buffer(sub, mine)

    def _buffer(self, sub: Subscription, transactions: Sequence[Transaction]) -> None:
        pending, full = accept(self._pending.get(sub.id, Pending()), transactions, sub.max_bundle)
        self._pending[sub.id] = pending
        if full:
            self._emit(sub.id, full)
        if not pending.transactions:
            return
        if sub.bundle_window_ms == 0:
            self._flush(sub.id)
        elif sub.id not in self._windows:
            task = asyncio.get_running_loop().create_task(
                self._window(sub.id, sub.bundle_window_ms / 1000.0)
            )
            self._windows[sub.id] = task
            self.clock.track(task)
            task.add_done_callback(_report_failure)

    async def _window(self, sub_id: str, seconds: float) -> None:
        try:
            await self.clock.sleep(seconds)
        finally:
            if self._windows.get(sub_id) is asyncio.current_task():
                del self._windows[sub_id]
        self._flush(sub_id)

    def _flush(self, sub_id: str) -> None:
        pending, bundles = close_window(self._pending.get(sub_id, Pending()))
        self._pending[sub_id] = pending
        if bundles:
            self._emit(sub_id, bundles)

    def _emit(self, sub_id: str, groups: Sequence[Sequence[Transaction]]) -> None:
        made = self.db.add_bundles(
            sub_id,
            [(bundle_body(g), [t["transactionId"] for t in g]) for g in groups],
            self.clock.now(),
        )
        for bundle in made:
            self._spawn(bundle)

    # -- delivery -------------------------------------------------------------------------

    def _spawn(self, bundle: OutboxBundle) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(bundle))
        self.clock.track(task)
        group = self._tasks.setdefault(bundle.webhook_id, set())
        group.add(task)
        task.add_done_callback(group.discard)
        task.add_done_callback(_report_failure)

    def _next_scripted(self, sub: Subscription) -> Scripted | None:
        if not sub.faults.script:
            return None
        head, rest = sub.faults.script[0], sub.faults.script[1:]
        updated = replace(sub, faults=replace(sub.faults, script=rest))
        self._subs[sub.id] = updated
        self.db.update_subscription(sub.id, updated.to_json())
        return head

    async def _deliver(self, bundle: OutboxBundle) -> None:
        attempts = bundle.attempts
        if bundle.next_attempt_at > self.clock.now():
            await self.clock.sleep_until(bundle.next_attempt_at)
        data = json.dumps(bundle.body, separators=(",", ":")).encode()
        while True:
            sub = self._subs.get(bundle.webhook_id)
            if sub is None:
                return
            attempt = attempts + 1
            now = self.clock.now()
            outage = active_outage(self._outages.get(sub.id, []), now)
            scripted = None if outage is not None else self._next_scripted(sub)
            decision = decide(
                sub.faults,
                sequence=bundle.sequence,
                attempt=attempt,
                scripted=scripted,
                outage=outage,
            )
            if decision.drop:
                self._record(
                    bundle,
                    attempt,
                    now,
                    retry.DROPPED,
                    Outcome(0, "dropped", "injected drop: the bundle was never sent"),
                    None,
                    decision.label,
                )
                self._drop(bundle, REASON_DROP)
                return
            if decision.delay_s > 0:
                await self.clock.sleep(decision.delay_s)
                now = self.clock.now()
            outcome, latency = await self._attempt(sub, bundle, data, attempt, decision.forced)
            attempts = attempt
            if retry.classify(outcome.status, outcome.error) == retry.DELIVERED:
                self.db.finish(bundle.id)
                self._record(
                    bundle, attempt, now, retry.DELIVERED, outcome, latency, decision.label
                )
                if decision.duplicate:
                    again, latency = await self._attempt(sub, bundle, data, attempt, None)
                    self._record(
                        bundle,
                        attempt,
                        self.clock.now(),
                        retry.classify(again.status, again.error),
                        again,
                        latency,
                        "duplicate",
                    )
                return
            due = retry.next_attempt_at(sub.retry_schedule, attempt, self.clock.now())
            if due is None:
                self._record(bundle, attempt, now, retry.DROPPED, outcome, latency, decision.label)
                self._drop(bundle, REASON_RETRIES)
                return
            self.db.schedule(bundle.id, attempts, due)
            self._record(bundle, attempt, now, retry.FAILED, outcome, latency, decision.label)
            await self.clock.sleep_until(due)

    async def _attempt(
        self,
        sub: Subscription,
        bundle: OutboxBundle,
        data: bytes,
        attempt: int,
        forced: Scripted | None,
    ) -> tuple[Outcome, float | None]:
        slot = self._slots.get(sub.id)
        if slot is None:
            slot = self._slots[sub.id] = Slots(sub.max_in_flight, self.clock)
        async with slot:
            if forced is not None:
                return await self._forced(sub, forced), None
            if self._session is None:
                return Outcome(0, retry.CONNECTION, "the simulator is stopping"), None
            url, headers = sub.target()
            headers = {
                **headers,
                "Content-Type": "application/json",
                "X-Media77-Sim-Bundle": bundle.id,
                "X-Media77-Sim-Attempt": str(attempt),
            }
            started = self.clock.monotonic()
            work = asyncio.ensure_future(
                transport.post(self._session, url, data, headers, self._tls_for(sub))
            )
            outcome = await transport.with_clock_timeout(
                self.clock,
                work,
                sub.timeout_s,
                lambda: Outcome(0, retry.TIMEOUT, f"no answer within {sub.timeout_s:g} s"),
            )
            return outcome, (self.clock.monotonic() - started) * 1000.0

    async def _forced(self, sub: Subscription, forced: Scripted) -> Outcome:
        if forced == "timeout":
            await self.clock.sleep(sub.timeout_s)
            return Outcome(0, retry.TIMEOUT, f"no answer within {sub.timeout_s:g} s (injected)")
        if forced == "reset":
            return Outcome(0, retry.RESET, "connection reset (injected)")
        if forced == "refuse":
            return Outcome(0, retry.CONNECTION, "connection refused (injected)")
        assert isinstance(forced, int)
        return Outcome(forced)

    def _tls_for(self, sub: Subscription) -> ssl.SSLContext | None:
        if not sub.url.lower().startswith("https:"):
            return None
        context = self._tls.get(sub.id)
        if context is None:
            context = transport.tls_context(self.sim.config.webhook_ca, sub.ca)
            self._tls[sub.id] = context
        return context

    # -- ledger and log -------------------------------------------------------------------

    def _drop(self, bundle: OutboxBundle, reason: str) -> None:
        self.db.drop(bundle, reason, self.clock.now(), _registrations(bundle))

    def _record(
        self,
        bundle: OutboxBundle,
        attempt: int,
        at: Any,
        outcome: str,
        result: Outcome,
        latency: float | None,
        fault: str,
    ) -> None:
        self.db.log(
            webhook_id=bundle.webhook_id,
            bundle_id=bundle.id,
            attempt=attempt,
            at=at,
            outcome=outcome,
            status=result.status or None,
            error=result.message,
            latency_ms=latency,
            transaction_ids=bundle.transaction_ids,
            fault=fault,
        )
        self._notify()

    def _notify(self) -> None:
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
