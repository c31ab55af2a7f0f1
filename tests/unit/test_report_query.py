"""Validation of Activity Progress API bodies (pure, property-tested)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.core.dates import to_wire
from simulator.core.records import WIRE_FIELDS
from simulator.core.report_query import (
    MAX_NUMBER,
    MAX_SEARCH,
    ReportQuery,
    matches_search,
    sort_key,
    validate_report_query,
)

TOKEN = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=120),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)
FIELDS = ["start", "number", "search", "completed", "startDate", "endDate", "sort", "order"]
bodies = st.dictionaries(st.sampled_from([*FIELDS, "extra", "Token"]), json_values, max_size=9)


def check(body: dict[str, Any]) -> ReportQuery:
    result = validate_report_query(body, TOKEN)
    assert isinstance(result, ReportQuery), result
    return result


def problems(body: dict[str, Any]) -> list[tuple[str, str]]:
    result = validate_report_query(body, TOKEN)
    assert isinstance(result, list), result
    return result


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(bodies)
def test_any_body_gives_a_query_or_field_problems_never_an_exception(body: dict) -> None:
    result = validate_report_query(body, TOKEN)
    if isinstance(result, list):
        assert result
        for field, message in result:
            assert field in FIELDS
            assert field in message or "endDate" in message
    else:
        assert result.start >= 0 and 1 <= result.number <= MAX_NUMBER
        assert len(result.search) <= MAX_SEARCH
        assert result.sort in WIRE_FIELDS and result.order in ("ASC", "DESC")


def test_defaults_follow_the_vendor_doc() -> None:
    query = check({})
    assert (query.start, query.number, query.search, query.completed) == (0, 100, "", False)
    assert (query.sort, query.order) == ("transactionId", "ASC")
    assert query.start_date is None and query.end_date is None


def test_nulls_and_empty_strings_mean_not_given() -> None:
    body = {f: None for f in FIELDS} | {"startDate": "", "endDate": "", "sort": "", "order": ""}
    assert check(body) == check({})


@given(st.integers(min_value=1, max_value=MAX_NUMBER), st.integers(0, 2**31 - 1))
def test_number_and_start_in_range_are_kept(number: int, start: int) -> None:
    query = check({"number": number, "start": start})
    assert (query.number, query.start) == (number, start)
    assert check({"number": float(number)}).number == number


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=MAX_NUMBER + 1)))
def test_number_outside_1_to_1000_is_refused(number: int) -> None:
    assert problems({"number": number})[0][0] == "number"


@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**31)))
def test_start_outside_range_is_refused(start: int) -> None:
    assert problems({"start": start})[0][0] == "start"


@given(st.one_of(st.booleans(), st.text(), st.floats().filter(lambda f: not f.is_integer())))
def test_numbers_of_the_wrong_type_are_refused(value: object) -> None:
    assert problems({"number": value})[0][0] == "number"
    assert problems({"start": value})[0][0] == "start"


@given(st.text(min_size=MAX_SEARCH + 1, max_size=MAX_SEARCH + 50))
def test_search_over_100_characters_is_refused(search: str) -> None:
    assert problems({"search": search})[0][0] == "search"


@given(st.text(max_size=MAX_SEARCH))
def test_search_up_to_100_characters_is_kept_as_sent(search: str) -> None:
    assert check({"search": search}).search == search


@given(st.one_of(st.integers(), st.text(), st.lists(st.booleans())))
def test_completed_must_be_a_boolean(value: object) -> None:
    assert problems({"completed": value})[0][0] == "completed"


@given(st.sampled_from(WIRE_FIELDS), st.sampled_from(["ASC", "DESC"]))
def test_sort_by_any_record_field_in_either_order(sort: str, order: str) -> None:
    query = check({"sort": sort, "order": order})
    assert (query.sort, query.order) == (sort, order)


@given(st.text(min_size=1).filter(lambda s: s not in WIRE_FIELDS))
def test_sort_by_anything_else_is_refused(sort: str) -> None:
    assert problems({"sort": sort})[0][0] == "sort"


@given(st.text(min_size=1).filter(lambda s: s not in ("ASC", "DESC")))
def test_order_other_than_asc_or_desc_is_refused(order: str) -> None:
    assert problems({"order": order})[0][0] == "order"


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


def forms(moment: datetime) -> list[str]:
    return [
        moment.strftime("%Y-%m-%dT%H:%M:%S"),
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z",
    ]


@given(moments)
def test_dates_with_or_without_milliseconds_and_z_are_accepted(moment: datetime) -> None:
    for text in forms(moment):
        query = check({"startDate": text, "endDate": text})
        assert query.start_date is not None
        assert abs(query.start_date - moment) < timedelta(seconds=1)


@given(moments, moments)
def test_end_before_start_is_refused(a: datetime, b: datetime) -> None:
    start, end = max(a, b), min(a, b)
    body = {"startDate": start.isoformat(), "endDate": end.isoformat()}
    if end < start:
        assert ("endDate", "endDate must not be before startDate") in problems(body)
    else:
        check(body)


@given(st.text(max_size=30).filter(lambda s: s and not s[:1].isdigit()))
def test_malformed_dates_are_refused(text: str) -> None:
    assert problems({"startDate": text})[0][0] == "startDate"
    assert problems({"endDate": text})[0][0] == "endDate"


@given(moments, moments)
def test_date_bounds_are_inclusive_start_exclusive_end_at_second_precision(
    bound: datetime, record_time: datetime
) -> None:
    """Comparing the rounded bounds as text is exactly comparing the instants."""
    record_time = record_time.replace(microsecond=0)
    stamp = to_wire(record_time)
    query = check({"startDate": bound.isoformat(), "endDate": bound.isoformat()})
    assert query.start_bound is not None and query.end_bound is not None
    assert (stamp >= query.start_bound) == (record_time >= bound)
    assert (stamp < query.end_bound) == (record_time < bound)


def test_unknown_fields_are_ignored() -> None:
    assert check({"colour": "blue", "Start": -5}) == check({})


def test_every_problem_is_reported_at_once() -> None:
    found = problems({"number": 0, "start": -1, "order": "up", "sort": "age"})
    assert {field for field, _ in found} == {"number", "start", "order", "sort"}


records = st.fixed_dictionaries(
    {
        "transactionId": st.integers(1, 10**6),
        "firstName": st.text(max_size=8),
        "lastName": st.text(max_size=8),
        "email": st.text(max_size=8),
        "activityTitle": st.text(max_size=8),
        "registration": st.text(max_size=8),
        "completionCode": st.text(max_size=8),
    }
)


@given(records, st.text(max_size=4))
def test_search_matches_what_contains_it_ignoring_case(record: dict, search: str) -> None:
    found = matches_search(search, record)
    name = f"{record['firstName']} {record['lastName']}"
    texts = [name, *(record[k] for k in ("email", "activityTitle", "registration"))]
    texts.append(record["completionCode"])
    assert found == (search == "" or any(search.lower() in t.lower() for t in texts))


@given(st.lists(records, min_size=2, max_size=8, unique_by=lambda r: r["transactionId"]))
def test_sort_key_is_a_total_order_with_transaction_id_tie_break(rows: list[dict]) -> None:
    keys = [sort_key("lastName", r) for r in rows]
    assert len(set(keys)) == len(keys)
    same = [dict(r, lastName="Same") for r in rows]
    ordered = sorted(same, key=lambda r: sort_key("lastName", r))
    assert [r["transactionId"] for r in ordered] == sorted(r["transactionId"] for r in rows)


def test_text_fields_sort_ignoring_ascii_case() -> None:
    a = {"lastName": "de la Cruz", "transactionId": 1}
    b = {"lastName": "Delacroix", "transactionId": 2}
    c = {"lastName": "Zorn", "transactionId": 3}
    assert sorted([c, b, a], key=lambda r: sort_key("lastName", r)) == [a, b, c]


@given(
    st.integers(0, 500),
    st.integers(1, MAX_NUMBER),
    st.sampled_from(WIRE_FIELDS),
    st.sampled_from(["ASC", "DESC"]),
    st.text(max_size=10),
    st.booleans(),
)
def test_the_total_depends_on_the_filters_only(
    start: int, number: int, sort: str, order: str, search: str, completed: bool
) -> None:
    """`filter_key` keys remembered totals: page and sort must not change it, filters must."""
    plain = check({"search": search, "completed": completed})
    paged = check(
        {"search": search, "completed": completed, "start": start, "number": number}
        | {"sort": sort, "order": order}
    )
    assert paged.filter_key == plain.filter_key
    assert check({"search": search + "x", "completed": completed}).filter_key != plain.filter_key
    assert check({"search": search, "completed": not completed}).filter_key != plain.filter_key
