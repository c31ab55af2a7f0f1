"""Contract: the Activity Progress API as `activity-progress-api.txt` documents it.

Each test quotes the rule of the vendor doc it checks.
"""

from __future__ import annotations

import re
import uuid

import pytest

from simulator.pytest_plugin import SimHelper

GLOBEX_TOKEN = "3c0a5b7e-9d2f-4e61-8a47-2b9c1d0e5f63"


@pytest.fixture
def learners(sim: SimHelper) -> list[dict]:
    made = []
    for i, (name, course) in enumerate(
        [
            ("John Doe", "workplace-safety"),
            ("Jane Doe", "data-privacy"),
            ("Ada Lovelace", "cyber-hygiene"),
            ("Grace Hopper", "workplace-safety"),
        ]
    ):
        email = f"{name.split()[0].lower()}.{i}@example.com"
        made.append(sim.start_course(course, email=email, name=name))
        sim.advance(60)
    sim.set_progress(made[0]["registration"], 50)
    sim.complete(made[1]["registration"])
    return made


def test_response_record_has_the_documented_fields(
    sim: SimHelper, learners, record_fields: list[str]
) -> None:
    """JSON Response - API: transactionId, firstName, lastName, email, memberIdentifier,
    activityId, activityTitle, registration, dateStarted, progress, dateCompleted,
    completionCode."""
    answer = sim.report()
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/json")
    for record in answer.body:
        assert list(record) == record_fields
        assert isinstance(record["transactionId"], int)
        assert 0 <= record["progress"] <= 100
        uuid.UUID(record["registration"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", record["dateStarted"])


def test_transaction_id_is_unique(sim: SimHelper, learners) -> None:
    """ "transactionId ... This is the unique identifier for the transaction.\""""
    ids = [r["transactionId"] for r in sim.report().body]
    assert len(ids) == len(set(ids)) == len(learners)


def test_completion_sets_date_and_code(sim: SimHelper, learners) -> None:
    """ "dateCompleted: The date the activity was completed." "completionCode: Uniquely
    identifies a user's completion of an activity." (empty until then)"""
    by_reg = {r["registration"]: r for r in sim.report().body}
    done = by_reg[learners[1]["registration"]]
    assert done["progress"] == 100 and done["dateCompleted"]
    uuid.UUID(done["completionCode"])
    started = by_reg[learners[2]["registration"]]
    assert (started["dateCompleted"], started["completionCode"]) == ("", "")


def test_default_number_is_100(sim: SimHelper) -> None:
    """ "number: Number of records returned. The default is 100 records.\""""
    for i in range(101):
        sim.start_course(email=f"learner{i}@example.com", name=f"Learner Number{i}")
    answer = sim.report()
    assert len(answer.body) == 100
    assert len(sim.report(number=101).body) == 101


def test_start_is_the_starting_position(sim: SimHelper, learners) -> None:
    """ "start: The starting positing of records returned.\""""
    whole = sim.report().body
    assert sim.report(start=1, number=2).body == whole[1:3]


def test_completed_default_false_returns_all(sim: SimHelper, learners) -> None:
    """ "completed: Whether to only return completed activities. Default is false.\""""
    assert len(sim.report().body) == len(learners)
    assert len(sim.report(completed=False).body) == len(learners)
    completed = sim.report(completed=True).body
    assert [r["registration"] for r in completed] == [learners[1]["registration"]]


@pytest.mark.parametrize(
    ("search", "who"),
    [("lovelace", 2), ("grace.3@", 3), ("Data Privacy", 1), ("hygiene", 2)],
)
def test_searchable_fields(sim: SimHelper, learners, search: str, who: int) -> None:
    """ "The following fields can be searched: name, email, activityTitle, registration
    or completionCode.\""""
    found = [r["registration"] for r in sim.report(search=search).body]
    assert found == [learners[who]["registration"]]


def test_search_by_registration_and_completion_code(sim: SimHelper, learners) -> None:
    """ "The following fields can be searched: name, email, activityTitle, registration
    or completionCode.\""""
    reg = learners[3]["registration"]
    assert [r["registration"] for r in sim.report(search=reg).body] == [reg]
    code = sim.report(completed=True).body[0]["completionCode"]
    assert [r["completionCode"] for r in sim.report(search=code).body] == [code]


def test_search_is_at_most_100_characters(sim: SimHelper) -> None:
    """ "search varchar(100)\""""
    assert sim.report(search="x" * 100).status == 200
    assert sim.report(search="x" * 101).status == 400


def test_order_must_be_asc_or_desc(sim: SimHelper, learners) -> None:
    """ "order: Order the records in ascending or descending order. Must use ASC or DESC.\""""
    up = sim.report(sort="lastName", order="ASC").body
    down = sim.report(sort="lastName", order="DESC").body
    assert [r["lastName"] for r in up] == sorted(r["lastName"] for r in up)
    assert down == up[::-1]
    assert sim.report(order="ascending").status == 400


def test_date_range(sim: SimHelper, learners) -> None:
    """ "startDate: The starting date for the date range." "endDate: The ending date for the
    date range" (date/time (UTC), e.g. 2018-04-03T14:00:49.120Z)"""
    sim.advance(1)
    now = sim.clock()["now"]
    assert sim.report(startDate=now).body == []
    assert len(sim.report(endDate=now).body) == len(learners)
    assert (
        sim.report(startDate="2018-04-03T14:00:49.120Z", endDate="2018-05-03T14:00:49.120Z").body
        == []
    )


def test_token_identifies_the_provisioned_organization(sim: SimHelper, learners) -> None:
    """ "token: This value will be provided when you are provisioned for API access.\""""
    assert sim.report(token=str(uuid.uuid4())).status == 401
    assert sim.report(token=GLOBEX_TOKEN).body == []


def test_member_identifier_only_with_user_verification(sim: SimHelper, learners) -> None:
    """ "memberIdentifier ... Data for this field is ONLY provided if you are also using the
    User Verification API.\""""
    assert all(r["memberIdentifier"] == "" for r in sim.report().body)


def test_default_daily_limit_is_500(sim: SimHelper) -> None:
    """ "The default daily limit for API calls is 500.\""""
    statuses = [sim.report(number=1).status for _ in range(501)]
    assert statuses.count(200) == 500
    assert statuses[-1] == 429
