"""The event feed's rules (`simulator.service.events`), property-tested without a server.

The delivery log is stood in for by the list of attempt rows the feed published
(the feed only ever reads it through a `(after, limit) -> rows` function).
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from simulator.service.events import EventFeed, EventId, EventType

ids = st.builds(
    EventId,
    st.text("0123456789abcdef", min_size=1, max_size=8),
    st.integers(0, 10**6),
    st.integers(0, 10**12),
    st.integers(0, 10**12),
)


@given(ids)
def test_an_event_id_reads_back_as_itself(event_id: EventId) -> None:
    assert EventId.parse(str(event_id)) == event_id


@given(st.text(max_size=60))
def test_any_text_is_an_id_or_none_never_an_error(text: str) -> None:
    parsed = EventId.parse(text)
    assert parsed is None or isinstance(parsed, EventId)


class Log:
    """The attempt rows published so far, read as the store would (`id > after`)."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def __call__(self, after: int, limit: int) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["id"] > after][:limit]


def feed_with(kinds: list[bool], ring: int) -> tuple[EventFeed, Log, list[str]]:
    """Publish attempts (True) and quota changes (False); the id of each event."""
    log = Log()
    feed = EventFeed(log, process="p", generation=1, ring_size=ring)
    published: list[str] = []
    for is_attempt in kinds:
        if is_attempt:
            row = {"id": len(log.rows) + 1, "outcome": "delivered"}
            log.rows.append(row)
            event = feed.publish(EventType.ATTEMPT, row, delivery=row["id"])
        else:
            event = feed.publish(EventType.QUOTA, {"used": len(published)})
        published.append(str(event.id))
    return feed, log, published


@given(st.lists(st.booleans(), min_size=1, max_size=60), st.integers(1, 20), st.data())
def test_a_reader_resuming_anywhere_misses_no_attempt_and_sees_none_twice(
    kinds: list[bool], ring: int, data: st.DataObject
) -> None:
    feed, log, published = feed_with(kinds, ring)
    seen = data.draw(st.integers(0, len(published) - 1))
    replay, _ = feed.subscribe(published[seen])
    attempts = [e.data["id"] for e in replay if e.type is EventType.ATTEMPT]
    expected = [i for i, a in enumerate(kinds) if a and i > seen]
    assert attempts == [log.rows[sum(kinds[: i + 1]) - 1]["id"] for i in expected]
    others = [e for e in replay if e.type is EventType.QUOTA]
    lost = [e for e in replay if e.type is EventType.GAP]
    missing_quota = sum(1 for i, a in enumerate(kinds) if not a and i > seen) - len(others)
    assert missing_quota == 0 or lost  # anything not replayed is announced as lost
    positions = [EventId.parse(str(e.id)) for e in replay]
    assert all(p is not None for p in positions)


@given(st.lists(st.booleans(), min_size=1, max_size=30))
def test_an_id_from_before_a_reset_gets_resync_then_everything_since(kinds: list[bool]) -> None:
    _, _, published = feed_with(kinds, 100)
    log = Log()
    new = EventFeed(log, process="p", generation=2)
    new.publish(EventType.QUOTA, {"used": 1})
    replay, _ = new.subscribe(published[-1])
    assert [e.type for e in replay] == [EventType.RESYNC, EventType.QUOTA]


def test_a_full_reader_is_cut_off_and_publishing_goes_on() -> None:
    async def scenario() -> None:
        feed = EventFeed(Log(), process="p", generation=1, queue_size=3)
        _, slow = feed.subscribe()
        _, quick = feed.subscribe()
        for used in range(3):
            feed.quota({"used": used})
            assert (await quick.next()) is not None
        feed.quota({"used": 3})
        assert slow.overflowed and await slow.next() is None
        assert feed.readers == 1 and (await quick.next()) is not None

    asyncio.run(scenario())


def test_closing_for_a_reset_tells_every_reader_then_ends_them() -> None:
    async def scenario() -> None:
        feed = EventFeed(Log(), process="p", generation=1)
        _, reader = feed.subscribe()
        feed.close()
        event = await reader.next()
        assert event is not None and event.type is EventType.RESET
        assert await reader.next() is None

    asyncio.run(scenario())
