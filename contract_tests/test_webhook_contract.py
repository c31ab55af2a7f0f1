"""Contract: the Activity Progress Webhook (vendor doc activity-progress-api.txt)."""

from typing import Any

DOCUMENTED_KEYS = {"started", "progressed", "completions"}


def deliver(sim: Any, receiver: Any, **fields: Any) -> dict[str, Any]:
    hook = sim.add_receiver_webhook(receiver, tokenValue="s3cret", **fields)
    receiver.token_name, receiver.token_value = hook["tokenName"], "s3cret"
    return hook


def test_a_bundle_has_the_three_documented_keys(
    sim: Any, media77_receiver: Any, record_fields: list[str]
) -> None:
    """JSON Response - Webhook: {"started": [], "progressed": [...], "completions": [...]}
    (the doc's curly quotes aside), every record with the twelve documented fields."""
    deliver(sim, media77_receiver)
    sim.start_course()
    sim.advance(0.5)
    (bundle,) = media77_receiver.accepted
    assert set(bundle.body) == DOCUMENTED_KEYS
    (record,) = bundle.body["started"]
    assert list(record) == record_fields


def test_updates_are_bundled_where_possible(sim: Any, media77_receiver: Any) -> None:
    """ "The system bundles the data where possible ... several in-progress and/or
    finished updates may be included in single data package." """
    deliver(sim, media77_receiver)
    reg = sim.start_course()["registration"]
    sim.set_progress(reg, 40)
    sim.complete(reg)
    sim.advance(0.5)
    (bundle,) = media77_receiver.accepted
    assert [len(bundle.body[k]) for k in ("started", "progressed", "completions")] == [1, 1, 1]


def test_the_access_token_goes_in_a_header_or_the_query(sim: Any, media77_receiver: Any) -> None:
    """Supported Authentication Methods: "pass via query string or HTTP Header"."""
    header = deliver(sim, media77_receiver)
    sim.start_course(email="a@example.com")
    sim.advance(0.5)
    sim.delete_webhook(header["id"])
    deliver(sim, media77_receiver, auth="query")
    sim.start_course(email="b@example.com")
    sim.advance(0.5)
    first, second = media77_receiver.accepted
    name = header["tokenName"]
    assert {k.lower(): v for k, v in first.headers.items()}[name.lower()] == "s3cret"
    assert second.query[name] == "s3cret"


def test_the_endpoint_must_be_ssl(sim: Any) -> None:
    """ "the Activity Progress Webhook requires an SSL encrypted endpoint." """
    answer = sim.request("POST", "/_sim/webhooks", {"url": "http://lms.example.com/hook"})
    assert answer.status == 400
    assert answer.body["field"] == "url"


def test_missed_data_is_not_resent_and_delivery_resumes(sim: Any, media77_receiver: Any) -> None:
    """ "If after the retry attempts we still receive an error, the data will not be
    delivered ... Data delivery will automatically resume when your endpoint recovers,
    but only current records will be transmitted." and "We will not resend data that
    was missed via webhook." """
    hook = deliver(sim, media77_receiver, retrySchedule=[1, 5])
    sim.outage(hook["id"], duration=30, mode="status:503")
    lost = sim.start_course(email="lost@example.com")
    sim.advance(0.5 + 1 + 5)
    assert [m["registration"] for m in sim.missed()] == [lost["registration"]]
    sim.advance(60)  # the endpoint has recovered
    kept = sim.start_course(email="kept@example.com")
    sim.advance(0.5)
    delivered = [r["registration"] for b in media77_receiver.accepted for r in b.body["started"]]
    assert delivered == [kept["registration"]]
