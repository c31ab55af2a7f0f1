"""`POST /api/reports/progress` on a real socket: every parameter's semantics."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.core.dates import parse_utc
from simulator.core.records import WIRE_FIELDS
from simulator.core.report_query import matches_search, search_text, sort_key
from simulator.pytest_plugin import SimHelper
from tests.progress_data import ACME, ACME_TOKEN, COURSES, GLOBEX, GLOBEX_TOKEN, build

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "fixtures" / "schemas"
SERVER = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def everything(sim: SimHelper, **fields: Any) -> list[dict[str, Any]]:
    answer = sim.report(number=1000, **fields)
    assert answer.status == 200, answer.body
    assert int(answer.headers["X-Media77-Sim-Total-Count"]) == len(answer.body)
    return answer.body


@pytest.fixture
def data(sim: SimHelper):  # type: ignore[no-untyped-def]
    return build(sim, 30)


# -- the answer ---------------------------------------------------------------------------


def test_one_record_per_registration_in_its_current_state(sim: SimHelper, data) -> None:
    records = everything(sim)
    assert sorted(r["registration"] for r in records) == sorted(data.regs)
    for record in records:
        state = sim.registration(record["registration"])
        assert record["transactionId"] == state["transactionId"]  # the latest transaction
        assert record["progress"] == state["progress"]
        assert record["dateCompleted"] == state["dateCompleted"]
        assert record["completionCode"] == state["completionCode"]


def test_records_have_exactly_the_twelve_fields_in_documented_order(sim, data) -> None:
    answer = sim.request("POST", "/api/reports/progress", {"token": sim.token})
    raw = json.loads(json.dumps(answer.body))
    assert answer.headers["Content-Type"].startswith("application/json")
    schema = json.loads((SCHEMAS / "progress-record.schema.json").read_text())
    for record in raw:
        assert tuple(record) == WIRE_FIELDS
        jsonschema.validate(record, schema)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", record["dateStarted"])


def test_default_is_the_first_100_by_transaction_id(sim: SimHelper) -> None:
    build(sim, 105)
    answer = sim.report()
    ids = [r["transactionId"] for r in answer.body]
    assert len(ids) == 100 and ids == sorted(ids)
    assert answer.headers["X-Media77-Sim-Total-Count"] == "105"
    assert ids == [r["transactionId"] for r in everything(sim)][:100]


def test_a_change_moves_the_record_and_the_total_follows(sim: SimHelper, data) -> None:
    before = everything(sim)
    reg = before[0]["registration"]
    sim.complete(reg)
    after = everything(sim)
    assert len(after) == len(before)
    moved = next(r for r in after if r["registration"] == reg)
    assert moved["transactionId"] > before[-1]["transactionId"]
    assert moved["progress"] == 100 and moved["completionCode"]
    assert after[-1] == moved
    sim.start_course(email="new.learner@example.com")
    assert sim.report().headers["X-Media77-Sim-Total-Count"] == str(len(before) + 1)


# -- paging -------------------------------------------------------------------------------


@SERVER
@given(start=st.integers(0, 40), number=st.integers(1, 40))
def test_a_page_is_exactly_its_slice_of_the_whole(sim: SimHelper, start: int, number: int) -> None:
    if not getattr(sim, "_paging_data", None):
        build(sim, 30)
        sim._paging_data = everything(sim)  # type: ignore[attr-defined]
    whole = sim._paging_data  # type: ignore[attr-defined]
    answer = sim.report(start=start, number=number, sort="lastName")
    ordered = sorted(whole, key=lambda r: sort_key("lastName", r))
    assert answer.status == 200
    assert answer.body == ordered[start : start + number]
    assert answer.headers["X-Media77-Sim-Total-Count"] == str(len(whole))


@pytest.mark.parametrize("number", [1, 7, 30, 1000])
def test_pages_partition_the_result(sim: SimHelper, data, number: int) -> None:
    seen: list[dict[str, Any]] = []
    start = 0
    while True:
        page = sim.report(start=start, number=number, sort="email", order="DESC").body
        seen += page
        if len(page) < number:
            break
        start += number
    assert seen == everything(sim, sort="email", order="DESC")
    assert len({r["registration"] for r in seen}) == len(data.regs)


# -- sorting ------------------------------------------------------------------------------


def test_every_field_sorts_both_ways_with_transaction_id_breaking_ties(sim, data) -> None:
    build(sim, 10, GLOBEX, tag="g")  # globex rows must not appear (and have member ids)
    whole = everything(sim)
    globex = everything(sim, token=GLOBEX_TOKEN)
    for field in WIRE_FIELDS:
        for rows, token in ((whole, ACME_TOKEN), (globex, GLOBEX_TOKEN)):
            expected = sorted(rows, key=lambda r, f=field: sort_key(f, r))
            assert everything(sim, token=token, sort=field) == expected, field
            descending = everything(sim, token=token, sort=field, order="DESC")
            assert descending == expected[::-1], field


def test_order_alone_applies_to_transaction_id(sim: SimHelper, data) -> None:
    ids = [r["transactionId"] for r in everything(sim, order="DESC")]
    assert ids == sorted(ids, reverse=True)


def test_ties_keep_a_stable_order_across_pages(sim: SimHelper, data) -> None:
    """Many records share a progress value; pages must still never repeat or skip one."""
    pages = [sim.report(sort="progress", start=s, number=4).body for s in range(0, 32, 4)]
    flat = [r["registration"] for page in pages for r in page]
    assert len(flat) == len(set(flat)) == 30


# -- searching ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search", "field"),
    [
        ("lovelace", "lastName"),
        ("GRACE", "firstName"),
        ("ada love", "name"),
        ("de la cruz", "lastName"),
        ("müller", "lastName"),
        ("zoë", "firstName"),
        ("john.", "email"),
        ("@example.COM", "email"),
        ("privacy", "activityTitle"),
        ("webinar", "activityTitle"),
        ("O'Brien", "lastName"),
    ],
)
def test_search_finds_by_each_searchable_field(sim, data, search: str, field: str) -> None:
    found = everything(sim, search=search)
    assert found
    assert found == [r for r in everything(sim) if matches_search(search, r)]


def test_search_finds_by_registration_and_completion_code(sim: SimHelper, data) -> None:
    whole = everything(sim)
    for record in whole:
        fragment = record["registration"][9:23].lower()
        assert record in everything(sim, search=fragment)
        assert everything(sim, search=record["registration"]) == [record]
        if record["completionCode"]:
            code = record["completionCode"].upper()
            assert everything(sim, search=code) == [record]


def test_search_sees_a_new_completion_code(sim: SimHelper, data) -> None:
    reg = next(r for r in everything(sim) if not r["completionCode"])["registration"]
    code = sim.complete(reg)["completionCode"]
    assert [r["registration"] for r in everything(sim, search=code[-12:])] == [reg]


@SERVER
@given(st.data())
def test_search_is_a_case_insensitive_substring_of_the_searchable_fields(sim, choose) -> None:
    if not getattr(sim, "_search_data", None):
        build(sim, 30)
        sim._search_data = everything(sim)  # type: ignore[attr-defined]
    whole = sim._search_data  # type: ignore[attr-defined]
    record = choose.draw(st.sampled_from(whole))
    text = choose.draw(st.sampled_from([t for t in search_text(record) if t]))
    start = choose.draw(st.integers(0, len(text) - 1))
    piece = text[start : start + choose.draw(st.integers(1, 12))]
    piece = "".join(
        c.swapcase() if c.isascii() and choose.draw(st.booleans()) else c for c in piece
    )
    found = everything(sim, search=piece)
    assert record in found
    assert found == [r for r in whole if matches_search(piece, r)]


def test_search_characters_have_no_special_meaning(sim: SimHelper, data) -> None:
    for search in ['"', "%", "_", "*", "a%", "NEAR", "OR", "\\", "'", '" OR "a']:
        answer = sim.report(search=search)
        assert answer.status == 200
        assert answer.body == [r for r in everything(sim) if matches_search(search, r)][:100]


# -- filters ------------------------------------------------------------------------------


def test_completed_true_keeps_only_completed_records(sim: SimHelper, data) -> None:
    completed = everything(sim, completed=True)
    assert completed and all(r["dateCompleted"] and r["progress"] == 100 for r in completed)
    assert completed == [r for r in everything(sim) if r["dateCompleted"]]
    assert everything(sim, completed=False) == everything(sim)


def test_dates_bound_the_last_activity_inclusive_start_exclusive_end(sim, data) -> None:
    times = sorted(set(data.last_activity.values()))
    low, high = times[5], times[20]
    expected = {reg for reg, t in data.last_activity.items() if low <= t < high}
    found = everything(sim, startDate=low, endDate=high)
    assert {r["registration"] for r in found} == expected
    # the same bounds without milliseconds and Z, and a bound just after `low`
    plain = low[:19]
    assert everything(sim, startDate=plain, endDate=high[:19]) == found
    later = low[:19] + ".001Z"
    assert {r["registration"] for r in everything(sim, startDate=later, endDate=high)} == {
        reg
        for reg, t in data.last_activity.items()
        if parse_utc(later) <= parse_utc(t) < parse_utc(high)
    }
    assert everything(sim, startDate=high, endDate=high) == []


def test_filters_combine(sim: SimHelper, data) -> None:
    times = sorted(data.last_activity.values())
    fields = {"search": "smith", "completed": True, "startDate": times[0], "sort": "lastName"}
    found = everything(sim, **fields)
    assert found == sorted(
        [r for r in everything(sim) if matches_search("smith", r) and r["dateCompleted"]],
        key=lambda r: sort_key("lastName", r),
    )


# -- organizations ------------------------------------------------------------------------


def test_a_token_sees_only_its_organizations_registrations(sim: SimHelper, data) -> None:
    theirs = build(sim, 8, GLOBEX, tag="g")
    acme = everything(sim)
    globex = everything(sim, token=GLOBEX_TOKEN)
    assert {r["registration"] for r in acme} == set(data.regs)
    assert {r["registration"] for r in globex} == set(theirs.regs)
    assert everything(sim, token=GLOBEX_TOKEN, search="lovelace")
    assert not everything(sim, token=GLOBEX_TOKEN, search=data.regs[0])


def test_member_identifier_only_with_user_verification(sim: SimHelper, data) -> None:
    build(sim, 5, GLOBEX, tag="g")
    assert all(r["memberIdentifier"] == "" for r in everything(sim))
    members = [r["memberIdentifier"] for r in everything(sim, token=GLOBEX_TOKEN)]
    assert all(re.fullmatch(r"\d{9}", m) for m in members)


def test_unknown_or_missing_token_is_401(sim: SimHelper) -> None:
    for body in ({}, {"token": None}, {"token": ""}, {"token": "not-a-token"}):
        answer = sim.request("POST", "/api/reports/progress", body)
        assert answer.status == 401, body
        assert answer.body["error"] == "unauthorized" and answer.body["field"] == "token"


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"number": 0}, "number"),
        ({"number": 1001}, "number"),
        ({"number": "10"}, "number"),
        ({"start": -1}, "start"),
        ({"start": 1.5}, "start"),
        ({"search": "x" * 101}, "search"),
        ({"search": 5}, "search"),
        ({"completed": "true"}, "completed"),
        ({"startDate": "yesterday"}, "startDate"),
        ({"endDate": "2020-13-01T00:00:00Z"}, "endDate"),
        ({"startDate": "2020-02-01T00:00:00Z", "endDate": "2020-01-01T00:00:00Z"}, "endDate"),
        ({"sort": "age"}, "sort"),
        ({"sort": "lastname"}, "sort"),
        ({"order": "asc"}, "order"),
        ({"order": "UP"}, "order"),
        ({"token": 12345}, "token"),
    ],
)
def test_bad_values_are_400_naming_the_field(sim: SimHelper, fields: dict, field: str) -> None:
    answer = sim.report(**fields)
    assert answer.status == 400, answer.body
    assert answer.body["error"] == "invalid_request"
    assert answer.body["field"] == field
    assert answer.body["message"]


@pytest.mark.parametrize(
    "raw",
    [b"", b"{", b"[]", b'"token"', b"null", b"{'token': 1}"],
)
def test_malformed_bodies_are_400(sim: SimHelper, raw: bytes) -> None:
    answer = sim.request("POST", "/api/reports/progress", raw=raw)
    assert answer.status == 400
    assert answer.body["error"] == "invalid_json"


def test_deep_nesting_is_400_too_deep(sim: SimHelper) -> None:
    answer = sim.request("POST", "/api/reports/progress", raw=b"[" * 10000 + b"]" * 10000)
    assert answer.status == 400
    assert answer.body["error"] == "too_deep"


def test_an_oversized_body_is_400(sim: SimHelper) -> None:
    raw = json.dumps({"token": sim.token, "padding": "x" * 200_000}).encode()
    answer = sim.request("POST", "/api/reports/progress", raw=raw)
    assert answer.status == 400
    assert answer.body["error"] == "body_too_large"


def test_unknown_fields_are_ignored(sim: SimHelper, data) -> None:
    assert everything(sim, colour="blue", Sort="nonsense") == everything(sim)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=110),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=5,
)
KEYS = ["start", "number", "search", "completed", "startDate", "endDate", "sort", "order"]


@SERVER
@given(st.dictionaries(st.sampled_from([*KEYS, "x"]), json_values, max_size=8))
def test_no_body_ever_gets_a_500(sim: SimHelper, fields: dict) -> None:
    if not getattr(sim, "_fuzz_limit", False):
        sim.call("PATCH", "/_sim/quota", {"limit": 100000})
        sim._fuzz_limit = True  # type: ignore[attr-defined]
    answer = sim.request("POST", "/api/reports/progress", {"token": sim.token, **fields})
    assert answer.status in (200, 400), answer.body
    if answer.status == 400:
        assert set(answer.body) >= {"error", "message", "field"}
        # a query field, or (non-finite numbers, NUL: the input boundary) any field's path
        assert re.split(r"[.\[]", answer.body["field"])[0] in [*KEYS, "x"], answer.body
    else:
        assert isinstance(answer.body, list)


# -- the in-memory read path (issue 14) ---------------------------------------------------


def test_after_a_reset_the_same_registration_ids_show_their_new_learners(sim: SimHelper) -> None:
    """Transaction ids count from 1 again after a reset: pages sorted any way must show
    the new records, never the ones remembered from before the reset."""
    regs = [str(uuid.uuid4()) for _ in range(3)]
    for n, reg in enumerate(regs):
        sim.launch(COURSES[0], reg, f"before{n}@example.com", f"Old Learner{n}", ACME["dom"],
                   ACME["lms"])  # fmt: skip
    for sort in ("transactionId", "lastName", "email"):
        assert {r["lastName"] for r in everything(sim, sort=sort, order="DESC")} == {
            "Learner0", "Learner1", "Learner2"
        }  # fmt: skip
    sim.reset()
    for n, reg in enumerate(regs):
        sim.launch(COURSES[0], reg, f"after{n}@example.com", f"New Person{n}", ACME["dom"],
                   ACME["lms"])  # fmt: skip
    for sort in ("transactionId", "lastName", "email"):
        records = everything(sim, sort=sort, order="DESC", start=0)
        assert {r["email"] for r in records} == {f"after{n}@example.com" for n in range(3)}
