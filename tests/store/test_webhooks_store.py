"""The webhook tables: the delivery log's cap, and accepting bundles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

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
