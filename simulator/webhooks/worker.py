"""The delivery worker: per subscription, at most `maxInFlight` attempts at a time,
the backlog left in the durable outbox (never held as tasks in memory), one clock
timer for the next bundle to fall due. Each attempt runs the stages

    fault plan (core) → I/O (transport) → next step (core) → persist → log

and nothing else: what to inject and what follows an attempt are pure decisions in
`core.faults` and `core.delivery`. Persist and log land in one transaction (the outbox
never changes without its log row), committed with whatever else the event loop's turn
wrote (a group commit), and the body sent is the outbox's own bytes.
A hung or slow endpoint holds only its own few slots; its other bundles wait as rows,
and other subscriptions never wait.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.clock import Clock
from simulator.core.dates import to_iso_ms
from simulator.core.delivery import Delivered, Dropped, DropReason, Result, RetryAt, Step, next_step
from simulator.core.faults import FaultPlan, Scripted, fault_for_attempt, injected_result
from simulator.core.retry import AttemptOutcome, Failure, is_delivered
from simulator.core.subscriptions import Subscription
from simulator.store.webhooks import OutboxBundle, WebhookStore
from simulator.webhooks import transport
from simulator.webhooks.pacing import Pacer
from simulator.webhooks.registry import Registry
from simulator.webhooks.tasks import report_failure

INJECTED_DROP_ERROR = "dropped: injected drop: the bundle was never sent"


def _registrations(bundle: OutboxBundle) -> dict[int, str]:
    return {record["transactionId"]: record["registration"] for record in bundle.records()}


class DeliveryWorker:
    def __init__(
        self,
        clock: Clock,
        db: WebhookStore,
        registry: Registry,
        *,
        webhook_ca: str = "",
        on_logged: Callable[[dict[str, Any]], None] = lambda _row: None,
        on_dropped: Callable[[dict[str, Any]], None] = lambda _missed: None,
        pacer: Pacer | None = None,
    ) -> None:
        self.clock = clock
        self.db = db
        self.registry = registry
        self.webhook_ca = webhook_ca
        self._on_logged = on_logged
        self._on_dropped = on_dropped
        self.sessions = transport.Sessions()
        self.pacer = pacer if pacer is not None else Pacer()
        self.open = False
        self._busy: dict[str, dict[str, asyncio.Task[None]]] = {}
        self._timers: dict[str, tuple[datetime, asyncio.Task[None]]] = {}
        self._closing: set[asyncio.Task[None]] = set()

    # -- scheduling ---------------------------------------------------------------------------

    def dispatch(self, sub_id: str) -> None:
        """Start what is due, up to the subscription's bound; time the next one.

        Called whenever that can change: a bundle accepted, an attempt finished, the
        timer fired, the bound patched, the engine started.
        """
        sub = self.registry.get(sub_id)
        if sub is None or not self.open:
            return
        busy = self._busy.setdefault(sub_id, {})
        free = sub.max_in_flight - len(busy)
        if free > 0:
            for bundle in self.db.due(sub_id, self.clock.now(), free, busy):
                task = asyncio.get_running_loop().create_task(self._run(bundle))
                busy[bundle.id] = self.clock.track(task)
                task.add_done_callback(report_failure)
        due = None if len(busy) >= sub.max_in_flight else self.db.next_due_at(sub_id, busy)
        self._set_timer(sub_id, due)

    def _set_timer(self, sub_id: str, due: datetime | None) -> None:
        current = self._timers.get(sub_id)
        if current is not None and current[0] == due:
            return
        if current is not None:
            current[1].cancel()
            del self._timers[sub_id]
        if due is not None:
            task = asyncio.get_running_loop().create_task(self._timer(sub_id, due))
            self._timers[sub_id] = (due, task)
            task.add_done_callback(report_failure)

    async def _timer(self, sub_id: str, due: datetime) -> None:
        await self.clock.sleep_until(due)
        if sub_id in self._timers and self._timers[sub_id][1] is asyncio.current_task():
            del self._timers[sub_id]
        self.dispatch(sub_id)

    async def _run(self, bundle: OutboxBundle) -> None:
        me = asyncio.current_task()
        try:
            await self.pacer.step()  # a wave of due bundles starts a few per turn
            await self._attempt_once(bundle)
        finally:
            busy = self._busy.get(bundle.webhook_id)
            if busy is not None and busy.get(bundle.id) is me:
                del busy[bundle.id]
            if me is not None and not me.cancelling():  # stopping or deleted: start nothing
                self.dispatch(bundle.webhook_id)

    def in_flight(self, sub_id: str) -> int:
        """Attempts of the subscription under way (at most its `maxInFlight`)."""
        return len(self._busy.get(sub_id, ()))

    def owed(self, sub_id: str) -> int:
        """Bundles the subscription still owes: in flight or waiting in the outbox."""
        return self.db.owed(sub_id)

    def forget(self, sub_id: str) -> None:
        """Stop delivering for `sub_id` (its outbox rows are the caller's to settle)."""
        for task in self._busy.pop(sub_id, {}).values():
            task.cancel()
        timer = self._timers.pop(sub_id, None)
        if timer is not None:
            timer[1].cancel()
        for closing in self.sessions.close(sub_id):
            self._closing.add(closing)
            closing.add_done_callback(self._closing.discard)

    def cancel_all(self) -> list[asyncio.Task[None]]:
        """Take no more work, cancel every attempt and timer, close every connection;
        returns the tasks, for the caller to await."""
        self.open = False
        tasks = [t for group in self._busy.values() for t in group.values()]
        tasks += [task for _, task in self._timers.values()]
        for task in tasks:
            task.cancel()
        self._busy.clear()
        self._timers.clear()
        tasks += [*self._closing, *self.sessions.close()]
        self._closing.clear()
        return tasks

    def updated(self, before: Subscription, after: Subscription) -> None:
        """A PATCH took effect: perhaps a new bound on attempts (TLS settings are read
        at each attempt)."""
        if after.max_in_flight != before.max_in_flight:
            self.dispatch(after.id)

    # -- the stages of one attempt --------------------------------------------------------------

    async def _attempt_once(self, bundle: OutboxBundle) -> None:
        sub = self.registry.get(bundle.webhook_id)
        if sub is None:
            return
        attempt = bundle.attempts + 1
        started_at = self.clock.now()
        plan = self._plan(sub, bundle, attempt, started_at)
        if plan.drop:
            with self.db.grouped(), self.db.atomic():  # out of the outbox, on the ledger, logged
                notice = self._drop_row(bundle, DropReason.INJECTED_DROP)
                row = self._log(bundle, attempt, started_at, AttemptOutcome.DROPPED, 0,
                                INJECTED_DROP_ERROR, None, plan.label)  # fmt: skip
            self.db.after_commit(lambda: self._announce(row, notice))
            return
        if plan.delay_s > 0:
            await self.clock.sleep(plan.delay_s)
            started_at = self.clock.now()
        sent = transport.Sent(self.clock, started_at)
        result = await self._attempt(sub, bundle, attempt, plan.forced, sent)
        started_at, latency = sent.at, sent.latency_ms()
        await self.pacer.step()  # answers come in waves too
        step = next_step(result, attempt, sub.retry_schedule, self.clock.now())
        # The outbox change and its log row land together, in the commit this turn's
        # other attempts and windows share (`grouped`); listeners hear once it is made.
        with self.db.grouped(), self.db.atomic():
            missed = self._persist(bundle, attempt, step)
            row = self._log(bundle, attempt, started_at, step.outcome, result.status,
                            result.error, latency, plan.label)  # fmt: skip
        self.db.after_commit(lambda: self._announce(row, missed))
        if isinstance(step, Delivered) and plan.duplicate:
            sent = transport.Sent(self.clock, self.clock.now())
            again = await self._attempt(sub, bundle, attempt, None, sent)
            outcome = (
                AttemptOutcome.DELIVERED
                if is_delivered(again.status, again.failure)
                else AttemptOutcome.FAILED
            )
            row = self._log(bundle, attempt, sent.at, outcome, again.status, again.error,
                            sent.latency_ms(), "duplicate")  # fmt: skip
            self._announce(row, None)

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
        attempt: int,
        forced: Scripted | None,
        sent: transport.Sent,
    ) -> Result:
        """One try; `sent` learns when the request really left (after any wait for a
        pooled connection), which is the `at` and the start of `latencyMs` logged."""
        if forced is not None:
            wait_s, result = injected_result(forced, sub.timeout_s)
            if wait_s > 0:
                await self.clock.sleep(wait_s)
            return result
        if not self.open:
            return Result(0, Failure.CONNECTION, "the simulator is stopping")
        url, headers = sub.target()
        headers = {
            **headers,
            "Content-Type": "application/json",
            "X-Media77-Sim-Bundle": bundle.id,
            "X-Media77-Sim-Attempt": str(attempt),
        }
        work = self.sessions.post(sub.id, url, bundle.payload, headers, self._tls_for(sub), sent)
        result = await transport.with_clock_timeout(
            self.clock,
            work,
            sub.timeout_s,
            lambda: Result(0, Failure.TIMEOUT, f"no answer within {sub.timeout_s:g} s"),
        )
        sent.finished()
        return result

    def _tls_for(self, sub: Subscription) -> ssl.SSLContext | None:
        """Shared by every subscription trusting the same CAs (built once: see `tls`)."""
        if not sub.url.lower().startswith("https:"):
            return None
        return transport.tls_context(self.webhook_ca, sub.ca)

    # -- persisting and logging ---------------------------------------------------------------

    def _persist(self, bundle: OutboxBundle, attempt: int, step: Step) -> dict[str, Any] | None:
        """Write the step's outcome; returns the missed-ledger notice when it drops."""
        if isinstance(step, Delivered):
            self.db.finish(bundle.id)
        elif isinstance(step, RetryAt):
            self.db.schedule(bundle.id, attempt, step.when)
        elif isinstance(step, Dropped):
            return self._drop_row(bundle, step.reason)
        return None

    def drop(self, bundle: OutboxBundle, reason: DropReason) -> None:
        """Give up on `bundle`: out of the outbox, its transactions on the missed ledger."""
        self._on_dropped(self._drop_row(bundle, reason))

    def _drop_row(self, bundle: OutboxBundle, reason: DropReason) -> dict[str, Any]:
        """The drop written (in one transaction); returns the notice, for after the commit."""
        now, registrations = self.clock.now(), _registrations(bundle)
        self.db.drop(bundle, reason, now, registrations)
        ids = list(bundle.transaction_ids)
        return {
            "webhookId": bundle.webhook_id,
            "bundleId": bundle.id,
            "reason": reason,
            "at": to_iso_ms(now),
            "transactionIds": ids,
            "registrations": [registrations.get(t, "") for t in ids],
        }

    def _announce(self, row: dict[str, Any], missed: dict[str, Any] | None) -> None:
        """Tell the listeners (event feed, long polls) once what they hear of is committed."""
        if missed is not None:
            self._on_dropped(missed)
        self._on_logged(row)

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
    ) -> dict[str, Any]:
        return self.db.log(
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
