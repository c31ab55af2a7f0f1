"""The delivery worker: one task per bundle in the outbox, each running the stages

    fault plan (core) → I/O (transport) → next step (core) → persist → log

and nothing else. What to inject and what follows an attempt are pure decisions in
`core.faults` and `core.delivery`; this module only executes them on the clock.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from datetime import datetime

import aiohttp

from simulator.clock import Clock
from simulator.core.delivery import Delivered, Dropped, DropReason, Result, RetryAt, Step, next_step
from simulator.core.faults import FaultPlan, Scripted, fault_for_attempt, injected_result
from simulator.core.retry import AttemptOutcome, Failure, is_delivered
from simulator.core.subscriptions import Subscription
from simulator.store.webhooks import OutboxBundle, WebhookStore
from simulator.webhooks import transport
from simulator.webhooks.registry import Registry
from simulator.webhooks.slots import Slots
from simulator.webhooks.tasks import report_failure

INJECTED_DROP_ERROR = "dropped: injected drop: the bundle was never sent"


def _registrations(bundle: OutboxBundle) -> dict[int, str]:
    return {
        record["transactionId"]: record["registration"]
        for records in bundle.body.values()
        for record in records
    }


class DeliveryWorker:
    def __init__(
        self,
        clock: Clock,
        db: WebhookStore,
        registry: Registry,
        *,
        webhook_ca: str = "",
        on_logged: Callable[[], None] = lambda: None,
    ) -> None:
        self.clock = clock
        self.db = db
        self.registry = registry
        self.webhook_ca = webhook_ca
        self._on_logged = on_logged
        self.session: aiohttp.ClientSession | None = None
        self._tasks: dict[str, set[asyncio.Task[None]]] = {}
        self._slots: dict[str, Slots] = {}
        self._tls: dict[str, ssl.SSLContext] = {}

    # -- tasks ------------------------------------------------------------------------------

    def spawn(self, bundle: OutboxBundle) -> None:
        """Deliver `bundle` (fresh or recovered from the outbox) in its own task."""
        task = asyncio.get_running_loop().create_task(self._deliver(bundle))
        self.clock.track(task)
        group = self._tasks.setdefault(bundle.webhook_id, set())
        group.add(task)
        task.add_done_callback(group.discard)
        task.add_done_callback(report_failure)

    def in_flight(self, sub_id: str) -> int:
        return len(self._tasks.get(sub_id, ()))

    def forget(self, sub_id: str) -> None:
        """Stop delivering for `sub_id` (its outbox rows are the caller's to settle)."""
        for task in self._tasks.pop(sub_id, set()):
            task.cancel()
        self._slots.pop(sub_id, None)
        self._tls.pop(sub_id, None)

    def cancel_all(self) -> list[asyncio.Task[None]]:
        """Cancel every delivery task; returns them, for the caller to await."""
        tasks = [t for group in self._tasks.values() for t in group]
        for task in tasks:
            task.cancel()
        self._tasks.clear()
        self._slots.clear()
        self._tls.clear()
        return tasks

    def updated(self, before: Subscription, after: Subscription) -> None:
        """A PATCH took effect: new TLS settings, a new bound on attempts in flight."""
        self._tls.pop(after.id, None)
        slots = self._slots.get(after.id)
        if slots is not None and after.max_in_flight != before.max_in_flight:
            slots.resize(after.max_in_flight - before.max_in_flight)

    # -- the stages -------------------------------------------------------------------------

    async def _deliver(self, bundle: OutboxBundle) -> None:
        if bundle.next_attempt_at > self.clock.now():
            await self.clock.sleep_until(bundle.next_attempt_at)
        data = json.dumps(bundle.body, separators=(",", ":")).encode()
        attempt = bundle.attempts
        while True:
            sub = self.registry.get(bundle.webhook_id)
            if sub is None:
                return
            attempt += 1
            started_at = self.clock.now()
            plan = self._plan(sub, bundle, attempt, started_at)
            if plan.drop:
                self.drop(bundle, DropReason.INJECTED_DROP)
                self._log(bundle, attempt, started_at, AttemptOutcome.DROPPED, 0,
                          INJECTED_DROP_ERROR, None, plan.label)  # fmt: skip
                return
            if plan.delay_s > 0:
                await self.clock.sleep(plan.delay_s)
                started_at = self.clock.now()
            result, latency = await self._attempt(sub, bundle, data, attempt, plan.forced)
            step = next_step(result, attempt, sub.retry_schedule, self.clock.now())
            self._persist(bundle, attempt, step)
            self._log(bundle, attempt, started_at, step.outcome, result.status, result.error,
                      latency, plan.label)  # fmt: skip
            if isinstance(step, Delivered) and plan.duplicate:
                again, latency = await self._attempt(sub, bundle, data, attempt, None)
                outcome = (
                    AttemptOutcome.DELIVERED
                    if is_delivered(again.status, again.failure)
                    else AttemptOutcome.FAILED
                )
                self._log(bundle, attempt, self.clock.now(), outcome, again.status, again.error,
                          latency, "duplicate")  # fmt: skip
            if not isinstance(step, RetryAt):
                return
            await self.clock.sleep_until(step.when)

    def _plan(
        self, sub: Subscription, bundle: OutboxBundle, attempt: int, now: datetime
    ) -> FaultPlan:
        outage = self.registry.outage_at(sub.id, now)
        scripted = None if outage is not None else self.registry.next_scripted(sub.id)
        return fault_for_attempt(
            sub.faults, sequence=bundle.sequence, attempt=attempt, scripted=scripted, outage=outage
        )

    async def _attempt(
        self,
        sub: Subscription,
        bundle: OutboxBundle,
        data: bytes,
        attempt: int,
        forced: Scripted | None,
    ) -> tuple[Result, float | None]:
        slot = self._slots.get(sub.id)
        if slot is None:
            slot = self._slots[sub.id] = Slots(sub.max_in_flight, self.clock)
        async with slot:
            if forced is not None:
                wait_s, result = injected_result(forced, sub.timeout_s)
                if wait_s > 0:
                    await self.clock.sleep(wait_s)
                return result, None
            if self.session is None:
                return Result(0, Failure.CONNECTION, "the simulator is stopping"), None
            url, headers = sub.target()
            headers = {
                **headers,
                "Content-Type": "application/json",
                "X-Media77-Sim-Bundle": bundle.id,
                "X-Media77-Sim-Attempt": str(attempt),
            }
            started = self.clock.monotonic()
            work = asyncio.ensure_future(
                transport.post(self.session, url, data, headers, self._tls_for(sub))
            )
            result = await transport.with_clock_timeout(
                self.clock,
                work,
                sub.timeout_s,
                lambda: Result(0, Failure.TIMEOUT, f"no answer within {sub.timeout_s:g} s"),
            )
            return result, (self.clock.monotonic() - started) * 1000.0

    def _tls_for(self, sub: Subscription) -> ssl.SSLContext | None:
        if not sub.url.lower().startswith("https:"):
            return None
        context = self._tls.get(sub.id)
        if context is None:
            context = self._tls[sub.id] = transport.tls_context(self.webhook_ca, sub.ca)
        return context

    # -- persisting and logging ---------------------------------------------------------------

    def _persist(self, bundle: OutboxBundle, attempt: int, step: Step) -> None:
        if isinstance(step, Delivered):
            self.db.finish(bundle.id)
        elif isinstance(step, RetryAt):
            self.db.schedule(bundle.id, attempt, step.when)
        elif isinstance(step, Dropped):
            self.drop(bundle, step.reason)

    def drop(self, bundle: OutboxBundle, reason: DropReason) -> None:
        """Give up on `bundle`: out of the outbox, its transactions on the missed ledger."""
        self.db.drop(bundle, reason, self.clock.now(), _registrations(bundle))

    def _log(
        self,
        bundle: OutboxBundle,
        attempt: int,
        at: datetime,
        outcome: AttemptOutcome,
        status: int,
        error: str,
        latency: float | None,
        fault: str,
    ) -> None:
        self.db.log(
            webhook_id=bundle.webhook_id,
            bundle_id=bundle.id,
            attempt=attempt,
            at=at,
            outcome=outcome,
            status=status or None,
            error=error,
            latency_ms=latency,
            transaction_ids=bundle.transaction_ids,
            fault=fault,
        )
        self._on_logged()
