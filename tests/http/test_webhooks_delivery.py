"""The webhook engine end to end: the simulator POSTs to a real HTTPS receiver
(trustme CA) and every timing is driven by the virtual clock, never by sleeping."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.client import SimulatorError
from simulator.core.records import WIRE_FIELDS
from simulator.pytest_plugin import SimHelper
from simulator.receiver import Receiver
from simulator.server import Simulator

TOKEN = "s3cret-token"


@pytest.fixture
def receiver(media77_receiver: Receiver) -> Receiver:
    return media77_receiver


def started(sim: SimHelper, n: int = 1) -> list[dict[str, Any]]:
    return [
        sim.start_course(email=f"learner{i}@example.com", name=f"Learner Number{i}")
        for i in range(n)
    ]


def test_bundle_has_the_three_keys_and_the_header_token(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver, tokenName="x-access-token", tokenValue=TOKEN)
    reg = started(sim)[0]
    sim.advance(0.5)
    (bundle,) = receiver.wait_for_sync(1)
    assert set(bundle.body) == {"started", "progressed", "completions"}
    assert bundle.body["progressed"] == [] and bundle.body["completions"] == []
    (record,) = bundle.body["started"]
    assert record["registration"] == reg["registration"]
    assert tuple(record) == WIRE_FIELDS  # exactly the twelve documented fields, in order
    assert bundle.headers["Content-Type"] == "application/json"
    assert bundle.headers["x-access-token"] == TOKEN
    assert "x-access-token" not in bundle.query


def test_token_in_query(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver, auth="query", tokenName="access_token", tokenValue=TOKEN)
    started(sim)
    sim.advance(0.5)
    (bundle,) = receiver.wait_for_sync(1)
    assert bundle.query["access_token"] == TOKEN
    assert "access_token" not in {k.lower() for k in bundle.headers}


def test_nothing_is_sent_before_the_window_closes(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver)
    started(sim)
    sim.advance(0.4)
    assert receiver.bundles == []
    assert sim.deliveries() == []
    sim.advance(0.1)
    assert [d["outcome"] for d in sim.deliveries()] == ["delivered"]
    assert len(receiver.accepted) == 1


def test_events_in_one_window_share_a_bundle_in_transaction_order(
    sim: SimHelper, receiver: Receiver
) -> None:
    sim.add_receiver_webhook(receiver)
    a, b = started(sim, 2)
    sim.set_progress(a["registration"], 40)
    sim.complete(b["registration"])
    sim.advance(0.5)
    (bundle,) = receiver.wait_for_sync(1)
    body = bundle.body
    assert [r["registration"] for r in body["started"]] == [a["registration"], b["registration"]]
    assert [r["progress"] for r in body["progressed"]] == [40]
    assert [r["registration"] for r in body["completions"]] == [b["registration"]]
    ids = [r["transactionId"] for key in body for r in body[key]]
    assert sorted(ids) == [1, 2, 3, 4]
    (delivery,) = sim.deliveries()
    assert delivery["transactionIds"] == [1, 2, 3, 4]


def test_a_full_bundle_leaves_without_waiting_for_the_window(
    sim: SimHelper, receiver: Receiver
) -> None:
    sim.add_receiver_webhook(receiver, maxBundle=2)
    started(sim, 5)
    sim.advance(0)
    assert [len(d["transactionIds"]) for d in sim.wait_for_deliveries(2)] == [2, 2]
    sim.advance(0.5)
    sizes = [len(d["transactionIds"]) for d in sim.deliveries()]
    assert sizes == [2, 2, 1]
    ids = [r["transactionId"] for r in receiver.records()]
    assert sorted(ids) == [1, 2, 3, 4, 5]


def test_retries_follow_the_schedule_on_the_virtual_clock(
    sim: SimHelper, receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(receiver)  # default schedule [1, 5, 30]
    receiver.fail_next(2, 503)
    started(sim)
    sim.advance(0.5)
    assert [(d["attempt"], d["outcome"], d["status"]) for d in sim.deliveries()] == [
        (1, "failed", 503)
    ]
    sim.advance(0.99)
    assert len(sim.deliveries()) == 1
    sim.advance(0.01)
    assert [d["outcome"] for d in sim.deliveries()] == ["failed", "failed"]
    sim.advance(4.99)
    assert len(sim.deliveries()) == 2
    sim.advance(0.01)
    log = sim.deliveries(webhook_id=hook["id"])
    assert [(d["attempt"], d["outcome"]) for d in log] == [
        (1, "failed"),
        (2, "failed"),
        (3, "delivered"),
    ]
    assert len({d["bundleId"] for d in log}) == 1
    assert len(receiver.accepted) == 1
    assert sim.missed() == []


def test_after_the_last_retry_the_bundle_is_dropped_missed_and_never_resent(
    sim: SimHelper, receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(receiver, retrySchedule=[1, 5])
    receiver.fail_next(3, 500)
    a, b = started(sim, 2)
    sim.advance(0.5 + 1 + 5)
    log = sim.deliveries()
    assert [d["outcome"] for d in log] == ["failed", "failed", "dropped"]
    missed = sim.missed()
    assert [(m["transactionId"], m["registration"]) for m in missed] == [
        (1, a["registration"]),
        (2, b["registration"]),
    ]
    assert {m["bundleId"] for m in missed} == {log[0]["bundleId"]}
    assert {m["webhookId"] for m in missed} == {hook["id"]}
    assert missed[0]["reason"] == "retries exhausted"
    # Never resent, however long we wait; later events flow normally ("only current records").
    sim.advance(3600)
    assert len(receiver.bundles) == 3
    sim.set_progress(a["registration"], 50)
    sim.advance(0.5)
    (bundle,) = receiver.wait_for_sync(1)
    assert [r["transactionId"] for r in bundle.body["progressed"]] == [3]
    assert bundle.body["started"] == []


def test_a_redirect_is_a_failure_and_is_not_followed(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver, retrySchedule=[])
    receiver.script([302])
    started(sim)
    sim.advance(0.5)
    (delivery,) = sim.deliveries()
    assert delivery["outcome"] == "dropped"
    assert delivery["status"] == 302
    assert "redirect" in delivery["error"]
    assert len(receiver.bundles) == 1  # the Location was not followed back to the receiver
    assert len(sim.missed()) == 1


def test_connection_reset_and_untrusted_tls_are_failures(
    sim: SimHelper, receiver: Receiver
) -> None:
    trusted = sim.add_receiver_webhook(receiver, retrySchedule=[])
    untrusted = sim.add_webhook(receiver.url, retrySchedule=[])  # no CA: the system store
    receiver.script(["reset"])
    started(sim)
    sim.advance(0.5)
    by_hook = {d["webhookId"]: d for d in sim.deliveries()}
    assert by_hook[trusted["id"]]["error"].startswith("reset")
    assert by_hook[untrusted["id"]]["error"].startswith("tls")
    assert {d["outcome"] for d in by_hook.values()} == {"dropped"}
    assert len(sim.missed()) == 2


def test_plain_http_is_refused_unless_allowed(sim: SimHelper) -> None:
    with pytest.raises(SimulatorError) as refused:
        sim.add_webhook("http://127.0.0.1:9/webhook")
    assert refused.value.status == 400
    assert refused.value.body["field"] == "url"
    assert "HTTPS" in refused.value.body["message"]
    allowed = sim.add_webhook("http://127.0.0.1:9/webhook", allowInsecure=True)
    assert allowed["allowInsecure"] is True


def test_plain_http_delivery_when_allowed_for_the_whole_simulator() -> None:
    with Receiver() as plain, Simulator(allow_insecure_webhooks=True) as server:
        sim = SimHelper(server)
        hook = sim.add_webhook(plain.url)
        assert hook["allowInsecure"] is False  # allowed by the server flag, not per webhook
        sim.start_course()
        sim.advance(0.5)
        assert len(plain.wait_for_sync(1)) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "https://example.com/x", "auth": "cookie"}, "auth"),
        ({"url": "https://example.com/x", "retrySchedule": [1, -1]}, "retrySchedule"),
        ({"url": "https://example.com/x", "bundleWindowMs": "fast"}, "bundleWindowMs"),
        ({"url": "https://example.com/x", "maxBundle": 0}, "maxBundle"),
        ({"url": "https://example.com/x", "faults": {"dropRate": 2}}, "faults"),
        ({"url": "https://example.com/x", "faults": {"script": ["explode"]}}, "faults"),
        ({"url": "https://example.com/x", "tokenName": "bad name"}, "tokenName"),
        ({"url": "https://example.com/x", "colour": "red"}, "colour"),
    ],
)
def test_bad_subscriptions_are_a_clear_400(
    sim: SimHelper, body: dict[str, Any], field: str
) -> None:
    answer = sim.request("POST", "/_sim/webhooks", body)
    assert answer.status == 400
    assert answer.body["field"] == field
    assert answer.body["message"]


def test_subscription_crud(sim: SimHelper) -> None:
    hook = sim.add_webhook("https://example.com/hook")
    assert hook["organizationId"] == sim.default_organization()["id"]
    assert hook["retrySchedule"] == [1, 5, 30]
    assert hook["bundleWindowMs"] == 500 and hook["maxBundle"] == 100 and hook["timeoutS"] == 10
    changed = sim.update_webhook(hook["id"], maxBundle=7)
    assert changed["maxBundle"] == 7 and changed["url"] == hook["url"]
    assert [h["id"] for h in sim.webhooks()] == [hook["id"]]
    assert sim.request("PATCH", f"/_sim/webhooks/{hook['id']}", {"auth": "x"}).status == 400
    sim.delete_webhook(hook["id"])
    assert sim.webhooks() == []
    assert sim.request("GET", f"/_sim/webhooks/{hook['id']}").status == 404
    assert (
        sim.request(
            "POST", "/_sim/webhooks", {"url": "https://e.com", "organizationId": "nope"}
        ).status
        == 404
    )


def test_other_organizations_events_are_not_sent(sim: SimHelper, receiver: Receiver) -> None:
    orgs = sim.organizations()
    other = orgs[1]
    sim.add_receiver_webhook(receiver, organizationId=other["id"])
    started(sim)  # default organization
    sim.advance(0.5)
    assert receiver.bundles == [] and sim.deliveries() == []


def test_wait_for_deliveries_long_poll(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver)
    started(sim)
    with pytest.raises(TimeoutError):
        sim.wait_for_deliveries(1, timeout=0.2)
    sim.advance(0.5)
    (delivery,) = sim.wait_for_deliveries(1, timeout=5)
    assert delivery["outcome"] == "delivered"
    with pytest.raises(TimeoutError):
        sim.wait_for_deliveries(1, outcome="failed", timeout=0.1)
    answer = sim.request("GET", "/_sim/deliveries/wait", query={"count": "x"})
    assert answer.status == 400


def test_reset_forgets_subscriptions_log_and_ledger(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver, retrySchedule=[])
    receiver.fail_next(1)
    started(sim)
    sim.advance(0.5)
    assert sim.missed() and sim.deliveries()
    sim.reset()
    assert sim.webhooks() == [] and sim.deliveries() == [] and sim.missed() == []


def test_attempts_in_flight_are_bounded_per_subscription(
    sim: SimHelper, receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(
        receiver,
        bundleWindowMs=0,
        maxInFlight=1,
        timeoutS=5,
        retrySchedule=[],
        faults={"script": ["timeout"]},
    )
    started(sim, 2)  # two requests, two bundles
    sim.advance(1)
    assert receiver.bundles == []  # bundle 2 waits for the slot bundle 1 holds
    assert sim.webhook(hook["id"])["pendingBundles"] == 2
    sim.advance(4)  # bundle 1 times out (injected), bundle 2 takes the slot
    assert [d["outcome"] for d in sim.deliveries()] == ["dropped", "delivered"]
    assert len(receiver.accepted) == 1


def test_a_failing_bundle_does_not_hold_up_newer_ones(sim: SimHelper, receiver: Receiver) -> None:
    sim.add_receiver_webhook(receiver, retrySchedule=[30])
    receiver.fail_next(1)
    first = started(sim)[0]
    sim.advance(0.5)  # bundle 1 fails, retry in 30 s
    sim.set_progress(first["registration"], 50)
    sim.advance(0.5)  # bundle 2 goes out now
    assert [r["transactionId"] for r in receiver.records()] == [2]
    sim.advance(30)
    assert sorted(r["transactionId"] for r in receiver.records()) == [1, 2]


def test_deleting_a_subscription_records_what_it_still_owed(
    sim: SimHelper, receiver: Receiver
) -> None:
    hook = sim.add_receiver_webhook(receiver, retrySchedule=[60])
    receiver.fail_next(1)
    a = started(sim)[0]
    sim.advance(0.5)  # bundle 1 failed, waiting for its retry
    sim.set_progress(a["registration"], 30)  # in an open window
    sim.delete_webhook(hook["id"])
    missed = sim.missed()
    assert [(m["transactionId"], m["reason"]) for m in missed] == [
        (1, "subscription deleted"),
        (2, "subscription deleted"),
    ]
    sim.advance(120)
    assert len(receiver.bundles) == 1


def test_patching_the_script_shapes_the_next_attempts(sim: SimHelper, receiver: Receiver) -> None:
    hook = sim.add_receiver_webhook(receiver, retrySchedule=[1])
    sim.update_webhook(hook["id"], faults={"script": [500]})
    started(sim)
    sim.advance(1.5)
    assert [(d["status"], d["fault"]) for d in sim.deliveries()] == [
        (500, "script:500"),
        (200, ""),
    ]


def test_bad_delivery_queries_are_a_clear_400(sim: SimHelper) -> None:
    for query in ({"outcome": "lost"}, {"limit": "0"}, {"after": "x"}):
        answer = sim.request("GET", "/_sim/deliveries", query=query)
        assert answer.status == 400, query
        assert answer.body["field"] == next(iter(query))
    answer = sim.request("GET", "/_sim/deliveries/wait", query={"count": 1, "timeout": "-1"})
    assert answer.status == 400


def test_a_ca_that_is_not_a_certificate_is_a_400(sim: SimHelper) -> None:
    bogus = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n"
    answer = sim.request("POST", "/_sim/webhooks", {"url": "https://e.example/h", "ca": bogus})
    assert answer.status == 400
    assert answer.body["field"] == "ca"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
field_names = st.sampled_from(
    ["url", "auth", "tokenName", "tokenValue", "bundleWindowMs", "maxBundle", "retrySchedule",
     "timeoutS", "allowInsecure", "faults", "ca", "maxInFlight", "organizationId", "id"]
)  # fmt: skip


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.dictionaries(field_names, json_values, max_size=5))
def test_any_subscription_body_gets_201_or_a_clear_4xx(
    sim: SimHelper, body: dict[str, Any]
) -> None:
    answer = sim.request("POST", "/_sim/webhooks", {"url": "https://e.example/h", **body})
    assert answer.status in (201, 400, 404), answer.body
    if answer.status != 201:
        assert answer.body["message"]
    hooks = sim.webhooks()
    if hooks:
        patched = sim.request("PATCH", f"/_sim/webhooks/{hooks[0]['id']}", body)
        assert patched.status in (200, 400), patched.body


operations = st.lists(
    st.one_of(
        st.tuples(st.just("learners"), st.integers(1, 4)),
        st.tuples(st.just("advance"), st.sampled_from([0, 0.1, 0.25, 0.5, 1.0])),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations, st.integers(1, 5), st.sampled_from([0, 200, 500]))
def test_the_engine_sends_every_transaction_in_exactly_one_bundle(
    sim: SimHelper,
    receiver: Receiver,
    ops: list[tuple[str, float]],
    max_bundle: int,
    window_ms: int,
) -> None:
    sim.reset()
    receiver.clear()
    sim.add_receiver_webhook(receiver, maxBundle=max_bundle, bundleWindowMs=window_ms)
    made = 0
    for i, (op, value) in enumerate(ops):
        if op == "advance":
            sim.advance(value)
            continue
        for j in range(int(value)):
            sim.start_course(email=f"p{i}x{j}@example.com", name=f"Prop N{i}x{j}")
            made += 1
    sim.advance(1)
    log = sim.deliveries()
    assert all(d["outcome"] == "delivered" for d in log)
    sent = sorted(t for d in log for t in d["transactionIds"])
    assert sent == list(range(1, made + 1))
    received = sorted(r["transactionId"] for r in receiver.records())
    assert received == sent
    for bundle in receiver.accepted:
        assert list(bundle.body) == ["started", "progressed", "completions"]
        assert 1 <= len(bundle.body["started"]) <= max_bundle
