"""Contract: the Activity Progress API, as activity-progress-api.txt documents it.

Tests marked only with `all`-mode requirements read whatever data the target holds, so
they also run against the vendor's staging system (read-only, within the call budget:
`calls(n)` is the most each one spends). The rest make their own learners first.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from contract_target import Organization, Target, documented_fields, schema_validator

req = pytest.mark.requirement
calls = pytest.mark.calls

RECORD_SCHEMA = schema_validator("progress-record.schema.json")
DOCUMENTED_FIELDS = documented_fields()  # the page's "JSON Response - API", in its order


def learners(target: Target) -> list[dict[str, Any]]:
    """Four learners of the test's organization: one at 50%, one complete."""
    made = [
        target.start(course, fn=name, em=f"{name.split()[0].lower()}.{i}@{target.org.domain}")
        for i, (name, course) in enumerate(
            [
                ("John Doe", "workplace-safety"),
                ("Jane Doe", "data-privacy"),
                ("Ada Lovelace", "cyber-hygiene"),
                ("Grace Hopper", "workplace-safety"),
            ]
        )
    ]
    target.set_progress(made[0]["registration"], 50)
    target.complete(made[1]["registration"])
    return made


@req("PROG-001")
@calls(1)
def test_the_answer_is_json(target: Target) -> None:
    """ "POST /api/reports/progress ... Content-Type: application/json" answers JSON."""
    answer = target.report()
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    assert isinstance(answer.body, list)


@req("PROG-002")
@calls(2)
def test_an_unknown_or_missing_token_is_refused(target: Target) -> None:
    """token: "This value will be provided when you are provisioned for API access"."""
    target.budget.spend()
    unknown = target.client.request("POST", "/api/reports/progress", {"token": str(uuid.uuid4())})
    target.budget.spend()
    missing = target.client.request("POST", "/api/reports/progress", {"number": 1})
    assert unknown.status == missing.status == 401


@req("PROG-003")
@req("PROG-004")
@req("PROG-007")
@calls(1)
def test_every_record_has_the_documented_fields_and_types(target: Target) -> None:
    """JSON Response - API: the twelve fields; dates YYYY-MM-DDTHH:MM:SS; progress 0-100."""
    for record in target.report(number=1000).body:
        assert list(record) == DOCUMENTED_FIELDS
        RECORD_SCHEMA.validate(record)
        if record["progress"] < 100:
            assert (record["dateCompleted"], record["completionCode"]) == ("", "")


@req("PROG-005")
def test_completion_sets_date_and_a_uuid_code(target: Target) -> None:
    """dateCompleted "The date the activity was completed"; completionCode a UUID."""
    made = learners(target)
    by_reg = {r["registration"]: r for r in target.report().body}
    done = by_reg[made[1]["registration"]]
    assert done["progress"] == 100 and done["dateCompleted"]
    uuid.UUID(done["completionCode"])


@req("PROG-006")
def test_member_identifier_only_with_user_verification(target: Target) -> None:
    """memberIdentifier: "ONLY provided if you are also using the User Verification API"."""
    learners(target)
    assert all(r["memberIdentifier"] == "" for r in target.report().body)
    verified = Organization.fresh(user_verification=True)
    target.client.call("POST", "/_sim/organizations", verified.to_json())
    target.organization, target.token = verified, verified.token
    target.start()
    (record,) = target.report().body
    assert record["memberIdentifier"] != ""


@req("PROG-008")
@calls(2)
def test_the_default_number_is_100(target: Target) -> None:
    """number: "Number of records returned. The default is 100 records." """
    default = target.report().body
    more = target.report(number=101).body
    assert len(default) == min(100, len(more))


@req("PROG-009")
@calls(2)
def test_start_is_the_starting_position(target: Target) -> None:
    """start: "The starting positing of records returned." """
    whole = target.report(number=20).body
    assert target.report(start=1, number=2).body == whole[1:3]


@req("PROG-010")
@calls(3)
def test_order_is_asc_or_desc(target: Target) -> None:
    """order: "Must use ASC or DESC." """
    up = target.report(sort="transactionId", order="ASC", number=50).body
    down = target.report(sort="transactionId", order="DESC", number=50).body
    ids = [r["transactionId"] for r in up]
    assert ids == sorted(ids)
    assert [r["transactionId"] for r in down] == sorted(
        (r["transactionId"] for r in down), reverse=True
    )
    assert target.report(order="ascending").status == 400


@req("PROG-011")
def test_sort_by_last_name(target: Target) -> None:
    """The example request sorts by "lastName"."""
    learners(target)
    names = [r["lastName"] for r in target.report(sort="lastName", order="ASC").body]
    assert names == sorted(names, key=str.casefold)


@req("PROG-012")
@pytest.mark.parametrize(("search", "who"), [("lovelace", 2), ("grace.3@", 3), ("Data Privacy", 1)])
def test_searchable_fields(target: Target, search: str, who: int) -> None:
    """ "The following fields can be searched: name, email, activityTitle, registration or
    completionCode." """
    made = learners(target)
    found = [r["registration"] for r in target.report(search=search).body]
    assert found == [made[who]["registration"]]


@req("PROG-012")
def test_search_by_registration_and_completion_code(target: Target) -> None:
    """Search by registration or completionCode finds exactly that record."""
    made = learners(target)
    reg = made[3]["registration"]
    assert [r["registration"] for r in target.report(search=reg).body] == [reg]
    code = target.report(completed=True).body[0]["completionCode"]
    assert [r["completionCode"] for r in target.report(search=code).body] == [code]


@req("PROG-013")
@calls(1)
def test_completed_true_returns_only_completed(target: Target) -> None:
    """completed: "Whether to only return completed activities. Default is false." """
    for record in target.report(completed=True, number=1000).body:
        assert record["progress"] == 100 and record["dateCompleted"]


@req("PROG-013")
def test_completed_false_returns_all(target: Target) -> None:
    made = learners(target)
    assert len(target.report().body) == len(target.report(completed=False).body) == len(made)
    done = target.report(completed=True).body
    assert [r["registration"] for r in done] == [made[1]["registration"]]


@req("PROG-014")
def test_a_date_range_selects_records(target: Target) -> None:
    """startDate/endDate: "The starting/ending date for the date range" (UTC)."""
    made = learners(target)
    past = target.report(startDate="2018-04-03T14:00:49.120Z", endDate="2018-05-03T14:00:49.120Z")
    assert past.status == 200 and past.body == []
    assert len(target.report(endDate="2999-01-01T00:00:00").body) == len(made)


@req("PROG-016")
def test_the_range_bounds_last_activity_start_inclusive_end_exclusive(target: Target) -> None:
    """D-P2: consecutive ranges partition time."""
    first = target.start()
    target.advance(60)
    middle = target.now()
    target.advance(60)
    second = target.start()
    before = target.report(endDate=middle).body
    after = target.report(startDate=middle).body
    assert [r["registration"] for r in before] == [first["registration"]]
    assert [r["registration"] for r in after] == [second["registration"]]


@req("PROG-017")
@calls(3)
def test_number_is_1_to_1000(target: Target) -> None:
    """D-P3: number 0 and over 1000 are refused, naming the field."""
    for number in (0, 1001):
        answer = target.report(number=number)
        assert answer.status == 400
        assert answer.body["field"] == "number"
    assert target.report(number=1000).status == 200


@req("PROG-018")
def test_one_record_per_registration_in_its_current_state(target: Target) -> None:
    """D-P4: a bare array; each registration once, at its latest transaction."""
    reg = target.start()["registration"]
    for progress in (20, 40, 60):
        target.set_progress(reg, progress)
    (record,) = target.report().body
    assert record["progress"] == 60


@req("PROG-020")
@calls(2)
def test_a_body_that_is_not_json_is_a_415(target: Target) -> None:
    """D-P6: `Content-Type: application/json` is required."""
    body = json.dumps({"token": target.token}).encode()
    assert target.report_raw(body, "text/plain").status == 415
    assert target.report_raw(body, "application/json; charset=utf-8").status == 200


@req("PROG-021")
@calls(1)
@pytest.mark.parametrize(
    ("name", "value"),
    [("start", -1), ("search", "x" * 101), ("completed", "yes"), ("search", "\ud800")],
    ids=["negative-start", "long-search", "completed-string", "lone-surrogate"],
)
def test_invalid_fields_are_a_400_naming_the_field(target: Target, name: str, value: Any) -> None:
    """D-P7: a clear 400 `{"error", "message", "field"}`, never a 5xx."""
    answer = target.report(**{name: value})
    assert answer.status == 400
    assert answer.body["field"] == name
    assert answer.body["error"] and answer.body["message"]


@req("PROG-022")
@calls(1)
def test_no_undocumented_headers(target: Target) -> None:
    """D-P8: nothing an integrator could come to rely on that the vendor does not document."""
    headers = {name.lower() for name in target.report().headers}
    assert "x-total-count" not in headers
    assert not {h for h in headers if h.startswith("ratelimit")}
