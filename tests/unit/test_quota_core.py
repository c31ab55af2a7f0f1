"""The daily quota's pure rules: UTC day windows, decisions and the simulator-only headers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from simulator.core import quota

moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 30), timezones=st.just(UTC)
)


@given(moments)
def test_reset_is_the_next_utc_midnight(now: datetime) -> None:
    reset = quota.resets_at(now)
    assert reset > now and reset - now <= timedelta(days=1)
    assert (reset.hour, reset.minute, reset.second, reset.microsecond) == (0, 0, 0, 0)
    assert quota.utc_day(reset) == quota.utc_day(now) + timedelta(days=1)


@given(moments, st.integers(-14, 14))
def test_the_day_is_the_utc_day_whatever_the_offset(now: datetime, hours: int) -> None:
    shifted = now.astimezone(timezone(timedelta(hours=hours)))
    assert quota.utc_day(shifted) == quota.utc_day(now)


@given(moments)
def test_seconds_to_reset_round_up_and_are_never_zero(now: datetime) -> None:
    seconds = quota.seconds_to_reset(now)
    assert 1 <= seconds <= 86400
    assert now + timedelta(seconds=seconds) >= quota.resets_at(now)
    assert now + timedelta(seconds=seconds - 1) < quota.resets_at(now)


@given(st.integers(0, 1000), st.integers(0, 1000), moments)
def test_a_call_is_allowed_exactly_while_under_the_limit(limit: int, used: int, now) -> None:
    decision = quota.decide(limit, used, now)
    assert decision.allowed == (used < limit)
    assert decision.used == (used + 1 if used < limit else used)
    assert decision.remaining == max(0, limit - decision.used)


@given(st.integers(1, 50), moments)
def test_sequential_calls_get_exactly_limit_through(limit: int, now: datetime) -> None:
    used, allowed = 0, 0
    for _ in range(limit + 10):
        decision = quota.decide(limit, used, now)
        allowed += decision.allowed
        used = decision.used
    assert allowed == limit and used == limit


@given(moments, st.integers(0, 100))
def test_yesterdays_count_does_not_apply_today(now: datetime, used: int) -> None:
    today = quota.utc_day(now)
    assert quota.used_today(today, used, now) == used
    assert quota.used_today(today - timedelta(days=1), used, now) == 0
    assert quota.used_today(None, used, now) == 0


@given(st.integers(0, 10**6), st.integers(0, 10**6), moments)
def test_headers_are_simulator_only_and_name_limit_remaining_reset(
    limit: int, used: int, now
) -> None:
    decision = quota.decide(limit, used, now)
    headers = decision.headers()
    assert headers["X-Media77-Sim-Quota-Limit"] == str(limit)
    assert headers["X-Media77-Sim-Quota-Remaining"] == str(max(0, limit - decision.used))
    assert headers["X-Media77-Sim-Quota-Reset"] == str(quota.seconds_to_reset(now))
    assert set(headers) - {"Retry-After"} == {
        "X-Media77-Sim-Quota-Limit",
        "X-Media77-Sim-Quota-Remaining",
        "X-Media77-Sim-Quota-Reset",
    }
    assert ("Retry-After" in headers) == (not decision.allowed)
    if not decision.allowed:
        assert headers["Retry-After"] == str(quota.seconds_to_reset(now))
