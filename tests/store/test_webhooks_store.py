"""The webhook tables: the delivery log's cap, and accepting bundles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.store import Store
from simulator.store.webhooks import WebhookStore

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def log_many(db: WebhookStore, count: int) -> None:
    for i in range(count):
        db.log(
            webhook_id="wh_1", bundle_id=f"bd_{i}", attempt=1, at=NOW, outcome="delivered",
            status=200, error="", latency_ms=1.0, transaction_ids=[i], fault="",
        )  # fmt: skip


def test_the_delivery_log_keeps_only_the_most_recent_attempts() -> None:
    db = WebhookStore(Store.open(":memory:"), log_cap=50, prune_every=10)
    log_many(db, 200)
    rows, total = db.deliveries(limit=1000)
    assert 50 <= total < 60
    assert rows[-1]["transactionIds"] == [199]
    assert [r["id"] for r in rows] == list(range(rows[0]["id"], 201))


def test_a_deleted_subscription_accepts_no_bundles() -> None:
    db = WebhookStore(Store.open(":memory:"))
    body = b'{"started":[],"progressed":[],"completions":[]}'
    db.add_subscription("wh_1", "org", {"url": "https://e.example/h"}, from_config=False)
    (bundle,) = db.add_bundles("wh_1", [(body, [1])], NOW)
    assert [b.id for b in db.outbox()] == [bundle.id]
    db.delete_subscription("wh_1")
    assert db.add_bundles("wh_1", [(body, [2])], NOW) == []
    assert [b.id for b in db.outbox()] == [bundle.id]


def test_a_bundle_keeps_its_encoded_body_byte_for_byte_across_a_reopen(tmp_path: Path) -> None:
    path = str(tmp_path / "state.db")
    payload = (
        b'{"started":[],"progressed":[{"transactionId":7,"registration":"r-7"}],"completions":[]}'
    )
    db = WebhookStore(Store.open(path))
    db.add_subscription("wh_1", "org", {"url": "https://e.example/h"}, from_config=False)
    db.add_bundles("wh_1", [(payload, [7])], NOW)
    db.store.close()
    (bundle,) = WebhookStore(Store.open(path)).outbox()
    assert bundle.payload == payload  # what every attempt sends, never re-encoded
    assert [(r["transactionId"], r["registration"]) for r in bundle.records()] == [(7, "r-7")]


def test_a_bundle_an_older_version_wrote_is_still_read(tmp_path: Path) -> None:
    """Older versions kept the body as `json.dumps(body)` text (with spaces)."""
    db = WebhookStore(Store.open(str(tmp_path / "state.db")))
    db.add_subscription("wh_1", "org", {"url": "https://e.example/h"}, from_config=False)
    body = {"started": [{"transactionId": 3, "registration": "r-3"}], "progressed": [],
            "completions": []}  # fmt: skip
    db.db.execute(
        "INSERT INTO webhook_outbox (id, webhook_id, sequence, body, transaction_ids,"
        " next_attempt_at, created_at) VALUES ('bd_1', 'wh_1', 1, ?, '[3]', ?, ?)",
        (json.dumps(body), NOW.isoformat(), NOW.isoformat()),
    )
    (bundle,) = db.outbox()
    assert json.loads(bundle.payload) == body
    assert bundle.transaction_ids == (3,)


def test_an_attempts_outbox_change_and_log_row_land_together_or_not_at_all() -> None:
    db = WebhookStore(Store.open(":memory:"))
    db.add_subscription("wh_1", "org", {"url": "https://e.example/h"}, from_config=False)
    (bundle,) = db.add_bundles("wh_1", [(b"{}", [1])], NOW)
    with pytest.raises(RuntimeError), db.atomic():
        db.finish(bundle.id)
        log_many(db, 1)
        raise RuntimeError("the process fails between the two writes")
    assert [b.id for b in db.outbox()] == [bundle.id]
    assert db.deliveries(limit=10) == ([], 0)
    with db.atomic():
        db.finish(bundle.id)
        log_many(db, 1)
    assert db.outbox() == []
    assert db.deliveries(limit=10)[1] == 1


@settings(max_examples=60, deadline=None)
@given(
    waits=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=12),
    busy=st.sets(st.integers(min_value=0, max_value=11)),
    now=st.integers(min_value=0, max_value=3),
    limit=st.integers(min_value=1, max_value=12),
)
def test_due_bundles_come_oldest_due_first_leaving_out_those_in_flight(
    waits: list[int], busy: set[int], now: int, limit: int
) -> None:
    """What the worker starts next: due by `now`, by due time then by age, none in flight."""
    db = WebhookStore(Store.open(":memory:"))
    db.add_subscription("wh_1", "org", {"url": "https://e.example/h"}, from_config=False)
    db.add_subscription("wh_2", "org", {"url": "https://e.example/h"}, from_config=False)
    made = [db.add_bundles("wh_1", [(b"{}", [i])], NOW)[0] for i in range(len(waits))]
    db.add_bundles("wh_2", [(b"{}", [99])], NOW)  # another subscription's never shows
    for bundle, wait in zip(made, waits, strict=True):
        db.schedule(bundle.id, 1, NOW + timedelta(seconds=wait))
    in_flight = {made[i].id for i in busy if i < len(made)}
    waiting = sorted((wait, i) for i, wait in enumerate(waits) if made[i].id not in in_flight)
    due = db.due("wh_1", NOW + timedelta(seconds=now), limit, in_flight)
    assert [b.id for b in due] == [made[i].id for wait, i in waiting if wait <= now][:limit]
    expected = NOW + timedelta(seconds=waiting[0][0]) if waiting else None
    assert db.next_due_at("wh_1", in_flight) == expected


def test_the_workers_question_is_answered_from_an_index_not_by_reading_every_body() -> None:
    """A backlog of big bundles (an endpoint down for a while) must not make each
    attempt read and sort all of them: both questions stay a walk along an index."""
    db = WebhookStore(Store.open(":memory:"))
    questions = [
        "SELECT * FROM webhook_outbox WHERE webhook_id = ? AND next_attempt_at <= ?"
        " AND id NOT IN (?) ORDER BY next_attempt_at, seq LIMIT 8",
        "SELECT next_attempt_at FROM webhook_outbox WHERE webhook_id = ? AND id NOT IN (?)"
        " ORDER BY next_attempt_at LIMIT 1",
    ]
    for sql, args in zip(questions, [("wh_1", "x", "bd_1"), ("wh_1", "bd_1")], strict=True):
        plan = " ".join(row[-1] for row in db.db.execute(f"EXPLAIN QUERY PLAN {sql}", args))
        assert "USING" in plan and "INDEX" in plan and "TEMP B-TREE" not in plan, plan
