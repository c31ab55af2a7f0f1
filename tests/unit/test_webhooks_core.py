"""Property tests of the webhook engine's pure core: bundling, retry policy, faults,
subscription validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.core.bundling import (
    Pending,
    accept,
    bundle_body,
    close_window,
    transaction_ids,
)
from simulator.core.faults import (
    FaultError,
    Faults,
    Outage,
    active_outage,
    fault_for_attempt,
    parse_faults,
    parse_outage,
)
from simulator.core.records import EventKind, Transaction
from simulator.core.retry import (
    Failure,
    check_schedule,
    is_delivered,
)
from simulator.core.subscriptions import (
    Subscription,
    SubscriptionError,
    parse_subscription,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def transaction(tid: int, kind: str) -> Transaction:
    record: Any = {"transactionId": tid, "registration": f"reg-{tid}", "progress": 0}
    return Transaction(
        transactionId=tid, organizationId="o", registration=f"reg-{tid}", kind=kind, at="",
        record=record,
    )  # fmt: skip


kinds = st.sampled_from(EventKind.ALL)
# Transactions arrive in batches (one per request), ids strictly increasing.
arrivals = st.lists(st.lists(kinds, max_size=8), max_size=12).map(lambda batches: _number(batches))


def _number(batches: list[list[str]]) -> list[list[Transaction]]:
    out, tid = [], 0
    for batch in batches:
        items = []
        for kind in batch:
            tid += 1
            items.append(transaction(tid, kind))
        out.append(items)
    return out


@given(arrivals, st.integers(1, 10), st.lists(st.booleans(), max_size=12))
def test_every_transaction_lands_in_exactly_one_bundle_in_order(
    batches: list[list[Transaction]], max_bundle: int, windows_close: list[bool]
) -> None:
    pending, bundles = Pending(), []
    for i, batch in enumerate(batches):
        pending, full = accept(pending, batch, max_bundle)
        bundles += full
        if i < len(windows_close) and windows_close[i]:
            pending, closed = close_window(pending)
            bundles += closed
    pending, closed = close_window(pending)
    bundles += closed
    assert len(pending) == 0
    sent = [t["transactionId"] for b in bundles for t in b]
    assert sent == [t["transactionId"] for batch in batches for t in batch]
    assert all(1 <= len(b) <= max_bundle for b in bundles)


@given(arrivals, st.integers(1, 10))
def test_full_bundles_leave_at_once_and_the_rest_waits(
    batches: list[list[Transaction]], max_bundle: int
) -> None:
    pending = Pending()
    for batch in batches:
        pending, full = accept(pending, batch, max_bundle)
        assert all(len(b) == max_bundle for b in full)
        assert len(pending) < max_bundle


@given(st.lists(kinds, max_size=30), st.randoms())
def test_bundle_body_has_three_keys_and_sorted_records(kind_list: list[str], rnd: Any) -> None:
    items = [transaction(i + 1, k) for i, k in enumerate(kind_list)]
    rnd.shuffle(items)
    body = bundle_body(items)
    assert list(body) == ["started", "progressed", "completions"]
    for kind in EventKind.ALL:
        ids = [r["transactionId"] for r in body[kind]]
        assert ids == sorted(ids)
        assert ids == [i + 1 for i, k in enumerate(kind_list) if k == kind]
    assert transaction_ids(body) == list(range(1, len(kind_list) + 1))


def test_accept_rejects_a_zero_limit() -> None:
    with pytest.raises(ValueError):
        accept(Pending(), [], 0)


# -- retry ----------------------------------------------------------------------------------

schedules = st.lists(st.floats(0, 86400, allow_nan=False), max_size=8)


@given(st.integers(100, 599), st.one_of(st.none(), st.sampled_from(Failure)))
def test_only_a_clean_2xx_is_a_delivery(status: int, failure: Failure | None) -> None:
    assert is_delivered(status, failure) == (200 <= status <= 299 and failure is None)


@given(schedules)
def test_valid_schedules_are_accepted(schedule: list[float]) -> None:
    assert check_schedule(schedule) == tuple(schedule)


@pytest.mark.parametrize("bad", ["1,5,30", [1, -5], [True], [1, "5"], [10**9], [1] * 51])
def test_bad_schedules_are_refused(bad: Any) -> None:
    with pytest.raises(ValueError):
        check_schedule(bad)


# -- faults ---------------------------------------------------------------------------------

rates = st.floats(0, 1, allow_nan=False)
scripted = st.one_of(st.integers(200, 599), st.sampled_from(["reset", "timeout", "refuse"]))
delays = st.one_of(
    st.integers(0, 5000),
    st.tuples(st.integers(0, 5000), st.integers(0, 5000)).map(
        lambda p: {"min": min(p), "max": max(p)}
    ),
)
fault_json = st.fixed_dictionaries(
    {},
    optional={
        "seed": st.integers(-(2**31), 2**31),
        "dropRate": rates,
        "duplicateRate": rates,
        "delayMs": delays,
        "script": st.lists(scripted, max_size=5),
    },
)


@given(fault_json)
def test_faults_round_trip_through_json(data: dict[str, Any]) -> None:
    faults = parse_faults(data)
    assert parse_faults(faults.to_json()) == faults


@given(fault_json, st.integers(1, 50), st.integers(1, 6), st.one_of(st.none(), scripted))
def test_decisions_are_reproducible_and_within_bounds(
    data: dict[str, Any], sequence: int, attempt: int, script: Any
) -> None:
    faults = parse_faults(data)
    first = fault_for_attempt(
        faults, sequence=sequence, attempt=attempt, scripted=script, outage=None
    )
    again = fault_for_attempt(
        faults, sequence=sequence, attempt=attempt, scripted=script, outage=None
    )
    assert first == again
    if first.drop:
        assert attempt == 1 and faults.drop_rate > 0
        return
    assert faults.delay_min_ms / 1000 <= first.delay_s <= faults.delay_max_ms / 1000 + 1e-9
    if script is None or (isinstance(script, int) and 200 <= script <= 299):
        assert first.forced is None
    else:
        assert first.forced == script


@given(st.integers(1, 50), st.integers(1, 6))
def test_rates_of_zero_and_one_are_certain(sequence: int, attempt: int) -> None:
    never = fault_for_attempt(
        Faults(), sequence=sequence, attempt=attempt, scripted=None, outage=None
    )
    assert not never.drop and not never.duplicate and never.forced is None and never.faults == ()
    always = Faults(drop_rate=1.0, duplicate_rate=1.0)
    shaped = fault_for_attempt(
        always, sequence=sequence, attempt=attempt, scripted=None, outage=None
    )
    assert shaped.drop == (attempt == 1)
    assert shaped.drop or shaped.duplicate


@given(
    st.integers(1, 3600), st.integers(0, 7200), st.sampled_from(["refuse", "timeout", "status:503"])
)
def test_an_outage_covers_its_window_and_wins_over_the_script(
    duration: int, offset: int, mode: str
) -> None:
    start, end, parsed = parse_outage({"duration": duration, "mode": mode}, T0)
    assert (start, end, parsed) == (T0, T0 + timedelta(seconds=duration), mode)
    outage = Outage(1, start, end, mode)
    moment = T0 + timedelta(seconds=offset)
    found = active_outage([outage], moment)
    assert (found is not None) == (offset < duration)
    if found is not None:
        decision = fault_for_attempt(Faults(), sequence=1, attempt=1, scripted=200, outage=found)
        assert decision.forced == found.outcome


@pytest.mark.parametrize(
    "bad",
    [
        [],
        {"dropRate": -0.1},
        {"duplicateRate": "often"},
        {"delayMs": {"min": 5}},
        {"delayMs": {"min": 9, "max": 1}},
        {"script": [True]},
        {"script": "503"},
        {"seed": 1.5},
        {"lossRate": 1},
    ],
)
def test_bad_faults_are_refused(bad: Any) -> None:
    with pytest.raises(FaultError):
        parse_faults(bad)


# -- subscriptions --------------------------------------------------------------------------

hosts = st.from_regex(r"[a-z][a-z0-9]{0,10}(\.[a-z]{2,5}){0,2}", fullmatch=True)
token_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_\-]{0,20}", fullmatch=True)


@settings(max_examples=100)
@given(
    hosts,
    st.sampled_from(["https", "http"]),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["header", "query"]),
    token_names,
    st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=30),
)
def test_https_is_required_unless_insecure_is_allowed(
    host: str,
    scheme: str,
    allow: bool,
    globally: bool,
    auth: str,
    name: str,
    value: str,
) -> None:
    data = {"url": f"{scheme}://{host}/hook", "allowInsecure": allow, "auth": auth,
            "tokenName": name, "tokenValue": value}  # fmt: skip
    if name.lower() in {"host", "connection"}:
        return
    try:
        sub = parse_subscription(
            data, id="wh_1", organization_id="o", insecure_allowed_globally=globally
        )
    except SubscriptionError as error:
        assert scheme == "http" and not (allow or globally)
        assert error.field == "url"
        return
    assert scheme == "https" or allow or globally
    again = parse_subscription(
        sub.to_json() | {"id": "wh_1"}, id="wh_1", organization_id="o",
        insecure_allowed_globally=globally,
    )  # fmt: skip
    assert again == sub
    url, headers = sub.target()
    if not value:
        assert headers == {} and url == sub.url
    elif auth == "header":
        assert headers == {name: value} and url == sub.url
    else:
        assert headers == {} and url.startswith(sub.url + "?")


def test_an_update_keeps_the_fields_it_does_not_name() -> None:
    base = parse_subscription({"url": "https://a.example/x", "maxBundle": 5}, id="wh_1",
                              organization_id="o")  # fmt: skip
    updated = parse_subscription({"timeoutS": 2}, id="wh_1", organization_id="o", base=base)
    assert (updated.max_bundle, updated.timeout_s, updated.url) == (5, 2.0, base.url)
    assert isinstance(updated, Subscription)
