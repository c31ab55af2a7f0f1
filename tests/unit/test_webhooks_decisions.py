"""Property tests of the pure delivery decisions: what follows an attempt, what an
injected fault records, and which subscription URLs are accepted."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from simulator.core.delivery import Delivered, Dropped, DropReason, Result, RetryAt, next_step
from simulator.core.faults import ScriptWord, injected_result
from simulator.core.retry import AttemptOutcome, Failure
from simulator.core.subscriptions import SubscriptionError, check_url

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

schedules = st.lists(st.floats(0, 86400, allow_nan=False), max_size=8)
results = st.builds(
    Result,
    status=st.integers(0, 599),
    failure=st.one_of(st.none(), st.sampled_from(Failure)),
    detail=st.text(max_size=20),
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(results, st.integers(1, 12), schedules, moments)
def test_only_a_clean_2xx_delivers_else_retry_by_the_schedule_then_drop(
    result: Result, attempt: int, schedule: list[float], now: datetime
) -> None:
    step = next_step(result, attempt, schedule, now)
    if result.failure is None and 200 <= result.status <= 299:
        assert step == Delivered()
        assert step.outcome is AttemptOutcome.DELIVERED
    elif attempt <= len(schedule):
        assert step == RetryAt(now + timedelta(seconds=schedule[attempt - 1]))
        assert step.outcome is AttemptOutcome.FAILED
    else:
        assert step == Dropped(DropReason.RETRIES_EXHAUSTED)
        assert step.outcome is AttemptOutcome.DROPPED


@given(schedules, moments)
def test_a_bundle_that_always_fails_gets_exactly_one_attempt_more_than_waits(
    schedule: list[float], now: datetime
) -> None:
    failing = Result(503)
    attempt, steps = 1, []
    while True:
        step = next_step(failing, attempt, schedule, now)
        steps.append(step)
        if not isinstance(step, RetryAt):
            break
        assert step.when >= now
        now, attempt = step.when, attempt + 1
    assert len(steps) == len(schedule) + 1
    assert isinstance(steps[-1], Dropped)


@given(results)
def test_the_logged_error_names_the_cause_or_the_status(result: Result) -> None:
    error = result.error
    if result.failure is not None:
        assert error.split(":")[0] == result.failure
    elif 200 <= result.status <= 299:
        assert error == ""
    else:
        assert error.startswith(f"status {result.status}")


@given(st.one_of(st.integers(200, 599), st.sampled_from(ScriptWord)), st.floats(0.1, 300))
def test_an_injected_outcome_never_delivers_unless_it_is_a_2xx(
    forced: int | ScriptWord, timeout_s: float
) -> None:
    wait_s, result = injected_result(forced, timeout_s)
    step = next_step(result, 1, [], T0)
    assert isinstance(step, Delivered) == (isinstance(forced, int) and 200 <= forced <= 299)
    expected_failure = {
        ScriptWord.TIMEOUT: Failure.TIMEOUT,
        ScriptWord.RESET: Failure.RESET,
        ScriptWord.REFUSE: Failure.REFUSED,
    }
    if isinstance(forced, ScriptWord):
        assert result.failure is expected_failure[forced]
        assert wait_s == (timeout_s if forced is ScriptWord.TIMEOUT else 0.0)
    else:
        assert (result.status, wait_s) == (forced, 0.0)


# -- subscription URLs ------------------------------------------------------------------------

hosts = st.one_of(
    st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,5}){0,2}", fullmatch=True),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)
paths = st.from_regex(r"(/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,12}){0,3}", fullmatch=True)
queries = st.one_of(st.just(""), st.from_regex(r"\?[a-z]{1,5}=[a-z0-9]{0,5}", fullmatch=True))
ports = st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}"))


@st.composite
def good_urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https", "http"]))
    return f"{scheme}://{draw(hosts)}{draw(ports)}{draw(paths)}{draw(queries)}"


@given(good_urls())
def test_absolute_http_urls_with_a_host_are_accepted_exactly_as_given(url: str) -> None:
    assert check_url(url, insecure_ok=True) == url
    if url.startswith("http:"):
        with pytest.raises(SubscriptionError) as refused:
            check_url(url, insecure_ok=False)
        assert refused.value.field == "url" and refused.value.status == 400


bad_chars = st.one_of(
    st.sampled_from(["\r", "\n", "\r\n", " ", "\t", "\x00", "\x7f", "\x85", "\u2028", "\u00a0"]),
    st.characters(categories=["Cc", "Zs", "Zl", "Zp"]),
)


@given(good_urls(), bad_chars, st.integers(0, 200))
def test_whitespace_or_a_control_character_anywhere_is_a_400(
    url: str, bad: str, position: int
) -> None:
    position = min(position, len(url))
    with pytest.raises(SubscriptionError) as refused:
        check_url(url[:position] + bad + url[position:], insecure_ok=True)
    assert refused.value.field == "url"


@given(good_urls(), st.from_regex(r"[a-z]{1,8}(:[a-z0-9]{0,8})?", fullmatch=True))
def test_user_info_is_a_400(url: str, userinfo: str) -> None:
    scheme, rest = url.split("://", 1)
    with pytest.raises(SubscriptionError) as refused:
        check_url(f"{scheme}://{userinfo}@{rest}", insecure_ok=True)
    assert "user info" in refused.value.message


@given(good_urls(), st.one_of(st.just(0), st.integers(65536, 10**6)))
def test_a_port_outside_1_to_65535_is_a_400(url: str, port: int) -> None:
    parts = urllib.parse.urlsplit(url)
    assume(parts.port is None)
    with pytest.raises(SubscriptionError):
        check_url(parts._replace(netloc=f"{parts.netloc}:{port}").geturl(), insecure_ok=True)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "example.com/hook",
        "/hook",
        "ftp://example.com/hook",
        "https:///hook",
        "https://",
        "https://example.com/hook#frag",
        "https://example.com:abc/hook",
        "https://[::1/hook",
        " https://example.com/hook",
        "https://example.com/hook ",
        "https://example.com/ho\r\nX-Injected: 1",
        "https://user@example.com/hook",
        "https://u:p@example.com/hook",
        "https://example.com:0/hook",
        "https://example.com:65536/hook",
        "https://example.com/" + "x" * 2000,
    ],
)
def test_these_urls_are_refused(url: str) -> None:
    with pytest.raises(SubscriptionError) as refused:
        check_url(url, insecure_ok=True)
    assert refused.value.field == "url"
