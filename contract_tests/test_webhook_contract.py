"""Contract: the Activity Progress Webhook (activity-progress-api.txt).

Each test subscribes the suite's own HTTPS receiver for its own organization and moves
the target's virtual clock to let bundles leave.
"""

from __future__ import annotations

from typing import Any

import pytest
from contract_target import Target, schema_validator

req = pytest.mark.requirement
BUNDLE_SCHEMA = schema_validator("webhook-bundle.schema.json")
KEYS = ("started", "progressed", "completions")


def subscribe(target: Target, receiver: Any, **fields: Any) -> dict[str, Any]:
    hook = target.subscribe(receiver, tokenValue="s3cret", **fields)
    receiver.token_name, receiver.token_value = hook["tokenName"], "s3cret"
    return hook


def kinds(receiver: Any) -> dict[str, list[str]]:
    """Registrations received under each key, in arrival order."""
    got: dict[str, list[str]] = {key: [] for key in KEYS}
    for bundle in receiver.accepted:
        for key in KEYS:
            got[key] += [r["registration"] for r in bundle.body[key]]
    return got


@req("HOOK-001")
def test_the_endpoint_must_be_https(target: Target) -> None:
    """ "the Activity Progress Webhook requires an SSL encrypted endpoint." """
    answer = target.client.request(
        "POST",
        "/_sim/webhooks",
        {"url": "http://lms.example.com/hook", "organizationId": target.org.id},
    )
    assert answer.status == 400
    assert answer.body["field"] == "url"


@req("HOOK-START-001")
@req("HOOK-BUNDLE-002")
@req("HOOK-004")
def test_a_first_launch_is_started_in_a_three_key_bundle(target: Target, receiver: Any) -> None:
    """D-W3, D-W1: every bundle has the three keys; records as the API's."""
    subscribe(target, receiver)
    reg = target.start()["registration"]
    target.advance(0.5)
    (bundle,) = receiver.accepted
    BUNDLE_SCHEMA.validate(bundle.body)
    assert bundle.body["started"][0]["registration"] == reg
    assert bundle.body["progressed"] == bundle.body["completions"] == []


@req("HOOK-002")
def test_progress_is_progressed(target: Target, receiver: Any) -> None:
    """ "Make progress in a learning activity (completing course lessons, registering for an
    event)" """
    subscribe(target, receiver)
    course = target.start()["registration"]
    event = target.start("safety-webinar-live")["registration"]
    target.client.call("POST", f"/_sim/registrations/{course}/lessons/next")
    target.client.call("POST", f"/_sim/registrations/{event}/event/register")
    target.advance(0.5)
    assert sorted(kinds(receiver)["progressed"]) == sorted([course, event])


@req("HOOK-003")
def test_finishing_is_a_completion(target: Target, receiver: Any) -> None:
    """ "Finish a learning activity (complete a course, earn a curriculum, attend an event)" """
    subscribe(target, receiver)
    email = f"finisher@{target.org.domain}"
    curriculum = target.start("compliance-curriculum", em=email)["registration"]
    courses = [
        target.start(course, em=email)["registration"]
        for course in ("data-privacy", "cyber-hygiene", "anti-harassment")
    ]
    event = target.start("safety-webinar-live", em=email)["registration"]
    for reg in courses:
        target.complete(reg)
    target.client.call("POST", f"/_sim/registrations/{event}/event/register")
    target.client.call("POST", f"/_sim/registrations/{event}/event/attend")
    target.advance(0.5)
    assert sorted(kinds(receiver)["completions"]) == sorted([*courses, event, curriculum])


@req("HOOK-AUTH-001")
@req("HOOK-AUTH-002")
def test_the_token_goes_in_a_header_or_the_query(target: Target, receiver: Any) -> None:
    """ "pass via query string or HTTP Header" """
    header = subscribe(target, receiver)
    target.start()
    target.advance(0.5)
    target.cleanup()
    subscribe(target, receiver, auth="query")
    target.start()
    target.advance(0.5)
    first, second = receiver.accepted
    name = header["tokenName"]
    assert {k.lower(): v for k, v in first.headers.items()}[name.lower()] == "s3cret"
    assert second.query[name] == "s3cret"


@req("HOOK-BUNDLE-001")
@req("HOOK-BUNDLE-003")
def test_updates_are_bundled_within_the_window(target: Target, receiver: Any) -> None:
    """ "The system bundles the data where possible"; "Typical latency is under 1 second." """
    subscribe(target, receiver)
    reg = target.start()["registration"]
    target.set_progress(reg, 40)
    target.complete(reg)
    target.advance(0.4)
    assert receiver.accepted == []
    target.advance(0.1)
    (bundle,) = receiver.accepted
    assert [len(bundle.body[k]) for k in KEYS] == [1, 1, 1]


@req("HOOK-RETRY-001")
def test_an_error_is_retried(target: Target, receiver: Any) -> None:
    """ "The webhook will attempt to redeliver data ... in the event that we receive an
    error." """
    subscribe(target, receiver, retrySchedule=[1, 5])
    receiver.fail_next(1, status=503)
    reg = target.start()["registration"]
    target.advance(0.5 + 1)
    assert kinds(receiver)["started"] == [reg]


@req("HOOK-RETRY-002")
@req("HOOK-RETRY-003")
def test_missed_data_is_not_resent_and_delivery_resumes(target: Target, receiver: Any) -> None:
    """ "the data will not be delivered ... delivery will automatically resume when your
    endpoint recovers, but only current records" and "We will not resend data that was
    missed via webhook." (D-W4)"""
    hook = subscribe(target, receiver, retrySchedule=[1, 5])
    target.outage(hook["id"], duration=30, mode="status:503")
    lost = target.start()["registration"]
    target.advance(0.5 + 1 + 5)
    assert [m["registration"] for m in target.missed(hook["id"])] == [lost]
    target.advance(60)
    kept = target.start()["registration"]
    target.set_progress(lost, 50)
    target.advance(0.5)
    got = kinds(receiver)
    assert got["started"] == [kept]
    assert got["progressed"] == [lost]  # its newer state, not the dropped `started`


@req("HOOK-RETRY-004")
@pytest.mark.parametrize("outcome", [302, 307, "timeout"])
def test_only_2xx_delivers(target: Target, receiver: Any, outcome: Any) -> None:
    """D-W2: 3xx is a failure, never followed; a timeout is a failure."""
    hook = subscribe(target, receiver, retrySchedule=[], timeoutS=2)
    receiver.script(["hang" if outcome == "timeout" else outcome])
    target.start()
    target.advance(0.5)
    if outcome == "timeout":
        target.advance(2)
    assert receiver.accepted == []
    assert len(target.missed(hook["id"])) == 1
