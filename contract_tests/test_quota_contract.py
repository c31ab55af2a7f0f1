"""Contract: the Activity Progress API's daily limit ("The default daily limit for API
calls is 500") and what counts against it (D-Q1, D-Q2)."""

from __future__ import annotations

from typing import Any

import pytest
from contract_target import Target

req = pytest.mark.requirement


def quota(target: Target) -> dict[str, Any]:
    answer: dict[str, Any] = target.client.call("GET", "/_sim/quota", query={"token": target.token})
    return answer


@req("PROG-QUOTA-001")
def test_the_default_daily_limit_is_500(target: Target) -> None:
    """ "The default daily limit for API calls is 500." """
    if quota(target)["limit"] != 500:
        pytest.skip("the target was started with another --daily-limit")
    statuses = [target.report(number=1).status for _ in range(501)]
    assert statuses.count(200) == 500
    assert statuses[-1] == 429


@req("PROG-QUOTA-002")
def test_what_counts_against_the_quota(target: Target) -> None:
    """D-Q1: 2xx and 400 count; 401, 415 and unreadable JSON never do."""
    assert target.report().status == 200
    assert target.report(number=0).status == 400
    assert quota(target)["used"] == 2
    client = target.client
    assert client.request("POST", "/api/reports/progress", {"token": "nobody"}).status == 401
    raw = f'{{"token": "{target.token}"'.encode()  # cut short: unreadable
    assert client.request("POST", "/api/reports/progress", raw=raw).status == 400
    plain = client.request(
        "POST",
        "/api/reports/progress",
        raw=f'{{"token": "{target.token}"}}'.encode(),
        headers={"Content-Type": "text/plain"},
    )
    assert plain.status == 415
    assert quota(target)["used"] == 2


@req("PROG-QUOTA-003")
def test_past_the_limit_429_until_the_next_utc_day(target: Target) -> None:
    """D-Q2: 429 with Retry-After and a body saying when it resets; a new UTC day resets."""
    target.client.call("PATCH", "/_sim/quota", {"token": target.token, "limit": 3, "used": 3})
    refused = target.report()
    assert refused.status == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 86400
    assert refused.body["error"] and refused.body["resetsAt"]
    target.advance(retry_after)
    assert target.report().status == 200
