"""The event feed behind `GET /_sim/events`: every change, fanned out to live readers.

Publishing never waits: each reader has its own bounded queue, and a reader that
falls `queue_size` events behind is cut off (it reconnects with `Last-Event-ID`),
so a slow browser tab can never hold up a request or a delivery.

An event id is `process.generation.seq.delivery`: the process that issued it, the
runtime generation (one per start or reset), the feed's sequence number, and the
highest delivery-log id announced so far. That last part is what lets a reconnecting
reader miss no attempt still in the delivery log, however far behind it fell: the
store replays attempts after it, while the other kinds replay from a bounded ring
of the latest `ring_size` events (older ones are reported lost with a `gap` event).
After a reset, an id from before it gets `resync` and everything of the new
generation; an id from another process (a restart) gets `resync` and the attempts
after its delivery id.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from msgspec import Struct

from simulator.core.records import Transaction

RING_SIZE = 5_000
QUEUE_SIZE = 1_000
REPLAY_PAGE = 1_000
OUTAGE_HISTORY = 100  # outage windows remembered for the dashboard, ended ones included

Attempts = Callable[[int, int], list[dict[str, Any]]]  # (after id, limit) -> delivery rows
_NO_DATA: dict[str, Any] = {}  # an attempt's place in the ring (never written to)


class EventType(StrEnum):
    TRANSACTION = "transaction"
    ATTEMPT = "attempt"
    MISSED = "missed"
    OUTAGE_START = "outageStart"
    OUTAGE_END = "outageEnd"
    QUOTA = "quota"
    CLOCK = "clock"
    RESET = "reset"  # the simulator was reset: this stream ends, reconnect
    RESYNC = "resync"  # the id given is from before a reset or another process
    GAP = "gap"  # some non-attempt events were too old to replay


# Slotted: the ring holds thousands of these, and under failing endpoints it fills
# within a minute; without slots each event and id carried a dict of its own.
class EventId(Struct, frozen=True):
    process: str
    generation: int
    seq: int
    delivery: int

    def __str__(self) -> str:
        return f"{self.process}.{self.generation}.{self.seq}.{self.delivery}"

    @classmethod
    def parse(cls, text: str) -> EventId | None:
        """The id a reader sent back, or None when it is not one of ours."""
        parts = text.strip().split(".")
        if len(parts) != 4 or not parts[0].isalnum() or not parts[0].isascii():
            return None
        if not all(p.isascii() and p.isdigit() and len(p) < 19 for p in parts[1:]):
            return None
        return cls(parts[0], int(parts[1]), int(parts[2]), int(parts[3]))


class Event(Struct, frozen=True):
    id: EventId
    type: EventType
    data: dict[str, Any]

    def json(self) -> dict[str, Any]:
        return {"type": self.type.value, **self.data}


class Reader:
    """One live reader's queue: bounded, and cut off (not waited for) when full."""

    def __init__(self, size: int) -> None:
        self._events: deque[Event] = deque()
        self._size = size
        self._ready = asyncio.Event()
        self.closed = False
        self.overflowed = False
        self.on_overflow: Callable[[], None] | None = None
        """Called once when the queue overflows: the connection holding this reader ends
        now, rather than after its blocked write gives up."""

    def put(self, event: Event) -> None:
        if self.closed:
            return
        if len(self._events) >= self._size:
            self.overflowed = True
            self.close()
            if self.on_overflow is not None:
                self.on_overflow()
            return
        self._events.append(event)
        self._ready.set()

    def close(self) -> None:
        self.closed = True
        self._ready.set()

    async def next(self) -> Event | None:
        """The next event; None once closed (reset, overflow or feed closed) and drained."""
        while not self._events:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        if self.overflowed:
            return None
        return self._events.popleft()


class EventFeed:
    def __init__(
        self,
        attempts: Attempts,
        *,
        process: str,
        generation: int,
        ring_size: int = RING_SIZE,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        self._attempts = attempts
        self.process = process
        self.generation = generation
        self.ring_size = ring_size
        self.queue_size = queue_size
        self._ring: deque[Event] = deque(maxlen=ring_size)
        self._readers: set[Reader] = set()
        self._seq = 0
        self._delivery = 0
        self._floor: int | None = None  # last delivery id logged before this feed's first
        self._outages: deque[dict[str, Any]] = deque(maxlen=OUTAGE_HISTORY)

    @property
    def last_id(self) -> str:
        return str(self._id(self._seq, self._delivery))

    @property
    def readers(self) -> int:
        return len(self._readers)

    def _id(self, seq: int, delivery: int) -> EventId:
        return EventId(self.process, self.generation, seq, delivery)

    # -- publishing (synchronous: never awaits, never blocks) ---------------------------------

    def publish(self, kind: EventType, data: dict[str, Any], delivery: int | None = None) -> Event:
        self._seq += 1
        if delivery is not None:
            if self._floor is None:
                self._floor = delivery - 1
            self._delivery = max(self._delivery, delivery)
        event = Event(self._id(self._seq, self._delivery), kind, data)
        # An attempt's row is in the delivery log: the ring keeps only its place, and
        # a replay reads the row back. Kept whole (~1.3 KB each), a ring of them was the
        # largest growth of memory under failing endpoints (benchmarks/hostile.py).
        self._ring.append(
            event if kind is not EventType.ATTEMPT else Event(event.id, kind, _NO_DATA)
        )
        for reader in list(self._readers):
            reader.put(event)
            if reader.closed:
                self._readers.discard(reader)
        return event

    def transactions(self, batch: Sequence[Transaction]) -> None:
        for t in batch:
            record = t["record"]
            self.publish(
                EventType.TRANSACTION,
                {
                    "transactionId": t["transactionId"],
                    "organizationId": t["organizationId"],
                    "registration": t["registration"],
                    "kind": t["kind"],
                    "at": t["at"],
                    "progress": record["progress"],
                    "activityId": record["activityId"],
                },
            )

    def attempt(self, row: dict[str, Any]) -> None:
        self.publish(EventType.ATTEMPT, row, delivery=int(row["id"]))

    def missed(self, data: dict[str, Any]) -> None:
        self.publish(EventType.MISSED, data)

    def outage_start(self, data: dict[str, Any]) -> None:
        self._outages.append({**data, "endedAt": None})
        self.publish(EventType.OUTAGE_START, data)

    def outage_end(self, data: dict[str, Any]) -> None:
        """Outages cleared: the windows stay in the history, ended at `data["at"]`."""
        for outage in self._outages:
            if outage["webhookId"] == data["webhookId"] and outage["endedAt"] is None:
                outage["endedAt"] = data["at"]
        self.publish(EventType.OUTAGE_END, data)

    def outage_history(self) -> list[dict[str, Any]]:
        """The latest outage windows since the last reset, ended ones with `endedAt`."""
        return [dict(o) for o in self._outages]

    def quota(self, data: dict[str, Any]) -> None:
        self.publish(EventType.QUOTA, data)

    def clock(self, data: dict[str, Any]) -> None:
        self.publish(EventType.CLOCK, data)

    def close(self) -> None:
        """The runtime is being rebuilt (reset): tell every reader, then end their streams."""
        self.publish(EventType.RESET, {})
        self.disconnect_all()

    def disconnect_all(self) -> None:
        """End every reader's stream (the server is stopping, or after a reset)."""
        for reader in self._readers:
            reader.close()
        self._readers.clear()

    # -- reading ------------------------------------------------------------------------------

    def subscribe(self, last_event_id: str | None = None) -> tuple[list[Event], Reader]:
        """A new reader, and what it missed since `last_event_id` (nothing without one).

        Synchronous from the replay to the registration, so nothing falls between them.
        """
        reader = Reader(self.queue_size)
        replay = [] if last_event_id is None else self._replay(last_event_id)
        self._readers.add(reader)
        return replay, reader

    def unsubscribe(self, reader: Reader) -> None:
        self._readers.discard(reader)
        reader.close()

    def _replay(self, last_event_id: str) -> list[Event]:
        given = EventId.parse(last_event_id)
        if given is not None and given.process == self.process:
            if given.generation == self.generation and given.seq <= self._seq:
                return self._since(given.seq, given.delivery)
            if given.generation < self.generation:
                start = self._id(0, 0)
                return [self._note(start, EventType.RESYNC, "reset"), *self._since(0, 0)]
        if given is None or given.process == self.process:
            return [self._note(self._id(self._seq, self._delivery), EventType.RESYNC, "unknown id")]
        start = self._id(self._seq, given.delivery)
        return [
            self._note(start, EventType.RESYNC, "restart"),
            *self._stored(given.delivery, self._delivery, self._seq),
        ]

    def _since(self, seq: int, delivery: int) -> list[Event]:
        """Events after `seq`; attempts after `delivery` from the store if the ring lost them."""
        first = self._ring[0].id if self._ring else self._id(self._seq + 1, self._delivery)
        events: list[Event] = []
        if seq + 1 < first.seq:
            lost = {"lost": first.seq - seq - 1}
            events.append(Event(self._id(seq, delivery), EventType.GAP, lost))
            upto = first.delivery
            if self._ring and self._ring[0].type is EventType.ATTEMPT:
                upto -= 1
            low = delivery if self._floor is None else max(delivery, self._floor)
            events += self._stored(low, upto, first.seq - 1)
        events += self._with_rows(
            [
                e
                for e in self._ring
                if e.id.seq > seq
                and not (e.type is EventType.ATTEMPT and e.id.delivery <= delivery)
            ]
        )
        return events

    def _with_rows(self, ring: list[Event]) -> list[Event]:
        """The ring's events with their attempts' rows read back from the delivery log
        (an attempt no longer there is left out, as one too old for the ring would be)."""
        ids = [e.id.delivery for e in ring if e.type is EventType.ATTEMPT]
        if not ids:
            return ring
        rows = {int(r["id"]): r for r in self._attempts(ids[0] - 1, ids[-1] - ids[0] + 1)}
        return [
            e if e.type is not EventType.ATTEMPT else Event(e.id, e.type, rows[e.id.delivery])
            for e in ring
            if e.type is not EventType.ATTEMPT or e.id.delivery in rows
        ]

    def _stored(self, after: int, upto: int, seq: int) -> list[Event]:
        """Attempts logged with `after` < id <= `upto`, read back from the delivery log."""
        events: list[Event] = []
        while after < upto:
            rows = self._attempts(after, REPLAY_PAGE)
            rows = [r for r in rows if int(r["id"]) <= upto]
            if not rows:
                break
            for row in rows:
                events.append(Event(self._id(seq, int(row["id"])), EventType.ATTEMPT, row))
            after = int(rows[-1]["id"])
        return events

    def _note(self, at: EventId, kind: EventType, reason: str) -> Event:
        """A notice for one reader only (not in the ring), at the position replay starts."""
        return Event(at, kind, {"reason": reason, "lastEventId": self.last_id})
