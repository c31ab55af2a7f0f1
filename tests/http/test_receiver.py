"""The local webhook receiver: real sockets, real HTTPS with trustme, time from the clock."""

from __future__ import annotations

import asyncio
import json
import random
import ssl
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.clock import VirtualClock
from simulator.commands.certs import write_certs
from simulator.receiver import (
    HANG,
    RESET,
    Arrival,
    ReceivedBundle,
    Receiver,
    ReceiverSettings,
    SettingsError,
    answer_to,
    check_token,
    records_of,
    validate_outcome,
)
from tests.processes import outside_pytest

RECORD = {
    "transactionId": 7,
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada@example.com",
    "memberIdentifier": "",
    "activityId": "https://example.com/course",
    "activityTitle": "Workplace Safety",
    "registration": "3f2a6c1e-0d3b-4c8e-9a51-2b7d9e0c4f11",
    "dateStarted": "2026-01-05T09:00:00",
    "progress": 50,
    "dateCompleted": "",
    "completionCode": "",
}
BUNDLE = {
    "started": [{**RECORD, "transactionId": 6, "progress": 0}],
    "progressed": [RECORD],
    "completions": [],
}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def post(
    http: aiohttp.ClientSession,
    receiver: Receiver,
    body: Any = BUNDLE,
    *,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    url: str | None = None,
    method: str = "POST",
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """One request as a webhook sender makes it: TLS verified, redirects not followed."""
    ssl_context = ssl.create_default_context(cafile=receiver.ca_path) if receiver.tls else None
    data = body if isinstance(body, str) else json.dumps(body)
    async with http.request(
        method,
        url or receiver.url,
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
        params=params,
        ssl=ssl_context if ssl_context is not None else True,
        allow_redirects=False,
    ) as response:
        return response.status, await response.json(), dict(response.headers)


def read_file(path: str | None) -> bytes | None:
    """The file's bytes, None when it is not there (tiny files: fine inside async tests)."""
    file = Path(path or "")
    return file.read_bytes() if file.is_file() else None


# -- HTTPS -------------------------------------------------------------------------------------


async def test_https_receiver_with_a_fresh_ca_records_the_bundle(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver(tls=True) as receiver:
        assert receiver.url.startswith("https://localhost:")
        assert receiver.url.endswith("/webhook")
        assert receiver.ca_pem is not None
        assert read_file(receiver.ca_path) == receiver.ca_pem

        status, answer, _ = await post(http, receiver)

        assert (status, answer) == (200, {"received": True, "reason": "accepted"})
        [bundle] = await receiver.wait_for(1)
        assert bundle.body == BUNDLE
        assert (bundle.status, bundle.accepted, bundle.token_ok) == (200, True, True)
        assert bundle.path == "/webhook"
        assert [(r["kind"], r["transactionId"]) for r in receiver.records()] == [
            ("started", 6),
            ("progressed", 7),
        ]


async def test_a_receiver_started_again_keeps_its_url_and_ca(http: aiohttp.ClientSession) -> None:
    """Stop, then start: an outage where connections are refused, then the same endpoint back."""
    receiver = await Receiver(tls=True).start()
    url, ca_pem = receiver.url, receiver.ca_pem
    assert (await post(http, receiver))[0] == 200
    await receiver.stop()
    with pytest.raises(aiohttp.ClientConnectionError):
        await post(http, receiver)
    await receiver.start()
    try:
        assert (receiver.url, receiver.ca_pem) == (url, ca_pem)
        assert read_file(receiver.ca_path) == ca_pem
        assert (await post(http, receiver))[0] == 200
        assert len(receiver.accepted) == 2
    finally:
        await receiver.stop()


async def test_a_large_bundle_is_received(http: aiohttp.ClientSession) -> None:
    big = {"started": [RECORD] * 5000, "progressed": [], "completions": []}  # about 2 MB
    async with Receiver() as receiver:
        assert (await post(http, receiver, big))[0] == 200
    assert len(receiver.records()) == 5000


async def test_https_receiver_is_refused_by_a_client_that_does_not_trust_its_ca(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver(tls=True) as receiver:
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await http.post(receiver.url, json=BUNDLE)
        assert receiver.bundles == []


async def test_cert_dir_serves_the_certificate_made_by_certs(
    http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    write_certs(tmp_path)
    async with Receiver(tls=True, cert_dir=str(tmp_path)) as receiver:
        assert receiver.ca_path == str(tmp_path / "ca.pem")
        assert (await post(http, receiver))[0] == 200
    assert (tmp_path / "ca.pem").exists(), "a given cert dir is never removed"


async def test_cert_dir_without_the_files_says_how_to_make_them(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="media77-sim certs --out"):
        await Receiver(tls=True, cert_dir=str(tmp_path)).start()


# -- the access token ------------------------------------------------------------------------


async def test_token_is_accepted_in_a_header_or_the_query(http: aiohttp.ClientSession) -> None:
    async with Receiver(token_name="access_token", token_value="s3cret") as receiver:
        header = await post(http, receiver, headers={"access_token": "s3cret"})
        header_other_case = await post(http, receiver, headers={"Access_Token": "s3cret"})
        query = await post(http, receiver, params={"access_token": "s3cret"})
        missing = await post(http, receiver)
        wrong = await post(http, receiver, headers={"access_token": "guess"})

    assert [r[0] for r in (header, header_other_case, query, missing, wrong)] == [
        200,
        200,
        200,
        401,
        401,
    ]
    assert missing[1]["reason"].startswith("token missing")
    assert wrong[1]["reason"].startswith("token wrong")
    assert [b.token_ok for b in receiver.bundles] == [True, True, True, False, False]
    assert len(receiver.accepted) == 3
    assert receiver.bundles[2].query == {"access_token": "s3cret"}


async def test_a_scripted_200_with_a_bad_token_is_answered_but_not_accepted(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver(token_name="access_token", token_value="s3cret") as receiver:
        receiver.script([200])
        status, answer, _ = await post(http, receiver)
    assert status == 200
    assert answer == {"received": False, "reason": answer["reason"]}
    assert "token missing" in answer["reason"]
    assert receiver.accepted == []


# -- telling it to fail ----------------------------------------------------------------------


async def test_script_answers_in_order_then_normally(http: aiohttp.ClientSession) -> None:
    async with Receiver() as receiver:
        receiver.script([503, 302])
        receiver.script([500])  # queued after the first two
        answers = [await post(http, receiver) for _ in range(4)]

    assert [a[0] for a in answers] == [503, 302, 500, 200]
    assert answers[1][2]["Location"] == f"{receiver.url}?redirected=1"
    assert [b.reason for b in receiver.bundles] == [
        "scripted 503",
        "scripted 302",
        "scripted 500",
        "accepted",
    ]
    assert len(receiver.accepted) == 1


async def test_fail_next_fails_that_many_with_the_status(http: aiohttp.ClientSession) -> None:
    async with Receiver() as receiver:
        receiver.fail_next(2, 500)
        statuses = [(await post(http, receiver))[0] for _ in range(3)]
    assert statuses == [500, 500, 200]


async def test_reset_closes_the_connection_without_an_answer(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver(tls=True) as receiver:
        receiver.script([RESET])
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await post(http, receiver)
        after = await post(http, receiver)

    assert after[0] == 200
    reset = receiver.bundles[0]
    assert (reset.status, reset.accepted, reset.reason) == (0, False, "scripted reset")
    assert reset.body == BUNDLE, "what was sent is recorded even though no answer went back"


async def test_hang_never_answers_while_other_requests_are_served(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver() as receiver:
        receiver.script([HANG])
        hung = asyncio.create_task(post(http, receiver))
        await receiver.wait_for(1, accepted=False)

        other = await post(http, receiver)  # on a second connection, answered at once

        assert other[0] == 200
        assert not hung.done()
        receiver.clear()  # lets go of the hung request: the connection closes unanswered
        with pytest.raises(aiohttp.ServerDisconnectedError):
            await hung


async def test_stop_closes_a_hung_request(http: aiohttp.ClientSession) -> None:
    receiver = await Receiver().start()
    receiver.script([HANG])
    hung = asyncio.create_task(post(http, receiver))
    [bundle] = await receiver.wait_for(1, accepted=False)
    assert bundle.status == 0
    await receiver.stop()
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await hung


async def test_fail_rate_is_reproducible_from_the_seed(http: aiohttp.ClientSession) -> None:
    """Request n meets the n-th draw of random.Random(seed), whatever came before it."""
    draws = random.Random(7)
    expected = [503 if draws.random() < 0.5 else 200 for _ in range(24)]
    assert 503 in expected and 200 in expected

    async with Receiver(fail_rate=0.5, seed=7) as receiver:
        first = [(await post(http, receiver))[0] for _ in range(24)]
        receiver.clear()  # restarts the seed
        again = [(await post(http, receiver))[0] for _ in range(24)]

    assert first == expected
    assert again == expected
    assert {b.reason for b in receiver.bundles if b.status == 503} == {"injected failure 503"}


async def test_down_for_counts_on_the_injected_clock(http: aiohttp.ClientSession) -> None:
    clock = VirtualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    async with Receiver(down_for=30, fail_status=502, clock=clock) as receiver:
        at_start = await post(http, receiver)
        await clock.advance(29.5)
        almost = await post(http, receiver)
        await clock.advance(0.5)
        back = await post(http, receiver)

    assert (at_start[0], at_start[1]["reason"]) == (502, "down for 30.0 s more")
    assert (almost[0], almost[1]["reason"]) == (502, "down for 0.5 s more")
    assert back[0] == 200


async def test_settings_changed_by_a_test_are_put_back_by_clear(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver() as receiver:
        receiver.token_name, receiver.token_value = "access_token", "s3cret"
        receiver.fail_status = 500
        assert (await post(http, receiver))[0] == 401
        receiver.clear()
        assert (await post(http, receiver))[0] == 200
        assert len(receiver.bundles) == 1


# -- what a misdirected sender sees ----------------------------------------------------------


async def test_wrong_path_method_or_body_are_refused_and_recorded(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver() as receiver:
        base = receiver.url.removesuffix("/webhook")
        wrong_path = await post(http, receiver, url=f"{base}/webhok")
        wrong_method = await post(http, receiver, method="PUT")
        not_json = await post(http, receiver, body="started=1")
        not_a_bundle = await post(http, receiver, body={"progressed": []})

    assert (wrong_path[0], wrong_path[1]["reason"]) == (
        404,
        "wrong path /webhok (listening on /webhook)",
    )
    assert wrong_method[0] == 405
    assert (not_json[0], not_json[1]["reason"]) == (400, "body is not JSON")
    assert receiver.bundles[2].body == "started=1"
    assert not_a_bundle[0] == 200
    assert not_a_bundle[1]["reason"] == "accepted; missing or not a list: started, completions"
    assert [b.accepted for b in receiver.bundles] == [False, False, False, True]


async def test_wait_for_times_out_saying_what_arrived(http: aiohttp.ClientSession) -> None:
    async with Receiver() as receiver:
        receiver.fail_next(1)
        await post(http, receiver)
        with pytest.raises(TimeoutError, match=r"0 of 1 accepted .*503 scripted 503"):
            await receiver.wait_for(1, timeout=0.2)


async def test_wait_for_sync_refuses_to_block_a_running_loop() -> None:
    async with Receiver() as receiver:
        with pytest.raises(RuntimeError, match="await wait_for"):
            receiver.wait_for_sync(1)


def test_wait_needs_a_running_receiver() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        Receiver().wait_for_sync(1)


# -- the threaded form -----------------------------------------------------------------------


def test_threaded_form_serves_sync_code() -> None:
    with Receiver(tls=True) as receiver:
        request = urllib.request.Request(
            receiver.url, data=json.dumps(BUNDLE).encode(), method="POST"
        )
        context = ssl.create_default_context(cafile=receiver.ca_path)
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            assert response.status == 200
        [bundle] = receiver.wait_for_sync(1)
        assert bundle.body == BUNDLE


async def test_threaded_form_can_be_awaited_from_another_loop(
    http: aiohttp.ClientSession,
) -> None:
    with Receiver() as receiver:
        assert (await post(http, receiver))[0] == 200
        assert len(await receiver.wait_for(1)) == 1


# -- the pytest fixture ----------------------------------------------------------------------


def test_fixture_is_a_cleared_https_receiver(media77_receiver: Receiver) -> None:
    assert media77_receiver.url.startswith("https://localhost:")
    assert media77_receiver.bundles == []
    assert Path(media77_receiver.ca_path or "").exists()


def test_fixture_is_cleared_between_tests(tmp_path: Path) -> None:
    """Run by a fresh pytest, as an integrator's suite would load the plugin."""
    outside_pytest(
        tmp_path,
        """
            import json, ssl, urllib.error, urllib.request

            def send(receiver):
                request = urllib.request.Request(receiver.url, data=b"{}", method="POST")
                context = ssl.create_default_context(cafile=receiver.ca_path)
                try:
                    with urllib.request.urlopen(request, context=context, timeout=10) as r:
                        return r.status
                except urllib.error.HTTPError as error:
                    return error.code

            def test_first(media77_receiver):
                media77_receiver.script([503, 503])
                media77_receiver.token_value = "changed"
                media77_receiver.token_name = "access_token"
                assert send(media77_receiver) == 503

            def test_second(media77_receiver):
                assert media77_receiver.bundles == []
                assert send(media77_receiver) == 200
                assert len(media77_receiver.wait_for_sync(1)) == 1
        """,
        passed=2,
    )


# -- bad settings ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fail_rate": 1.5}, "fail rate"),
        ({"fail_status": 100}, "fail status"),
        ({"down_for": -1}, "down for"),
        ({"down_for": float("inf")}, "down for"),
        ({"path": "webhook"}, "must start with '/'"),
        ({"token_value": "s3cret"}, "needs a token name"),
        ({"cert_dir": "certs"}, "only used with tls"),
        ({"port": 70000}, "port"),
    ],
)
def test_bad_settings_are_refused_clearly(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Receiver(**kwargs)


@pytest.mark.parametrize("outcome", ["boom", True, 600, 101, None, 2.5])
def test_bad_script_outcomes_are_refused(outcome: Any) -> None:
    receiver = Receiver()
    with pytest.raises(ValueError, match="outcome"):
        receiver.script([200, outcome])
    with pytest.raises(ValueError, match="count"):
        receiver.fail_next(-1)


# -- the pure core ---------------------------------------------------------------------------

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,20}", fullmatch=True)
values = st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=40)


@given(name=names, value=values, other=values, upper=st.booleans())
def test_check_token_finds_the_token_in_either_place(
    name: str, value: str, other: str, upper: bool
) -> None:
    sent_name = name.upper() if upper else name.lower()
    assert check_token({sent_name: value}, {}, name, value) == (True, "")
    assert check_token({}, {name: value}, name, value) == (True, "")
    ok, reason = check_token({}, {}, name, value)
    assert not ok and reason.startswith("token missing")
    if other != value:
        ok, reason = check_token({name: other}, {}, name, value)
        assert not ok and reason.startswith("token wrong")
    assert check_token({}, {}, name, "") == (True, ""), "no expected value accepts anything"


outcomes = st.one_of(st.integers(200, 599), st.sampled_from([RESET, HANG]))


@settings(max_examples=200)
@given(
    scripted=st.one_of(st.none(), outcomes),
    method=st.sampled_from(["POST", "GET", "PUT"]),
    path_ok=st.booleans(),
    down=st.sampled_from([(0.0, 0.0), (30.0, 29.5), (30.0, 0.0), (30.0, 30.0), (30.0, 45.0)]),
    fail_status=st.integers(300, 599),
    token_ok=st.booleans(),
    draw=st.floats(0, 1, exclude_max=True),
    fail_rate=st.floats(0, 1),
    body_is_json=st.booleans(),
)
def test_the_answer_follows_its_order_of_precedence(
    scripted: Any,
    method: str,
    path_ok: bool,
    down: tuple[float, float],
    fail_status: int,
    token_ok: bool,
    draw: float,
    fail_rate: float,
    body_is_json: bool,
) -> None:
    down_for, up_for = down
    down_remaining = max(0.0, down_for - up_for)
    answer = answer_to(
        Arrival(
            method=method,
            path="/webhook" if path_ok else "/x",
            body=BUNDLE,
            is_json=body_is_json,
            headers={"access_token": "s3cret"} if token_ok else {},
            scripted=scripted,
            draw=draw,
            up_for=up_for,
        ),
        ReceiverSettings(
            token_name="access_token",
            token_value="s3cret",
            fail_rate=fail_rate,
            fail_status=fail_status,
            down_for=down_for,
        ),
    )
    assert answer.accepted == (200 <= answer.status < 300 and token_ok)
    assert answer.status == (0 if answer.outcome in (RESET, HANG) else answer.outcome)
    if scripted is not None:
        assert answer.outcome == scripted
        return
    if not path_ok:
        assert answer.status == 404
    elif method != "POST":
        assert answer.status == 405
    elif down_remaining > 0:
        assert answer.status == fail_status and answer.reason.startswith("down for")
    elif not token_ok:
        assert answer.status == 401
    elif draw < fail_rate:
        assert (answer.status, answer.reason) == (fail_status, f"injected failure {fail_status}")
    elif not body_is_json:
        assert answer.status == 400
    else:
        assert (answer.status, answer.accepted) == (200, True)
    assert fail_rate > 0 or answer.reason != f"injected failure {fail_status}"


record_lists = st.lists(st.fixed_dictionaries({"transactionId": st.integers(1, 10**6)}), max_size=4)


@given(
    st.lists(
        st.tuples(
            st.fixed_dictionaries(
                {"started": record_lists, "progressed": record_lists, "completions": record_lists}
            ),
            st.booleans(),
        ),
        max_size=5,
    )
)
def test_records_flatten_every_bundle_in_order_with_its_kind(
    bodies: list[tuple[dict[str, Any], bool]],
) -> None:
    bundles = [ReceivedBundle(body, {}, {}, "/webhook", 200, True, True, 0.0) for body, _ in bodies]
    records = records_of(bundles)
    expected = [
        (kind, r["transactionId"])
        for body, _ in bodies
        for kind in ("started", "progressed", "completions")
        for r in body[kind]
    ]
    assert [(r["kind"], r["transactionId"]) for r in records] == expected


@given(st.one_of(st.integers(200, 599), st.sampled_from([RESET, HANG])))
def test_validate_outcome_keeps_every_valid_outcome(outcome: Any) -> None:
    assert validate_outcome(outcome) == outcome


# -- the settings, defined once --------------------------------------------------------------

good_settings = st.builds(
    ReceiverSettings,
    port=st.integers(0, 65535),
    path=st.from_regex(r"/[a-z0-9/_-]{0,20}", fullmatch=True),
    fail_rate=st.floats(0, 1),
    fail_status=st.integers(200, 599),
    down_for=st.floats(0, 1e9),
    seed=st.integers(),
)


@given(good_settings)
def test_a_receiver_is_built_from_settings_and_keeps_them(wanted: ReceiverSettings) -> None:
    receiver = Receiver(wanted)
    assert receiver.settings == wanted
    assert (receiver.path, receiver.fail_rate, receiver.down_for) == (
        wanted.path,
        wanted.fail_rate,
        wanted.down_for,
    )
    changed = Receiver(wanted, fail_status=418)
    assert changed.settings == replace(wanted, fail_status=418)


@given(
    field=st.sampled_from(["port", "fail_rate", "fail_status", "down_for", "path"]),
    value=st.one_of(
        st.integers(-(10**6), 10**6),
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.booleans(),
    ),
)
def test_a_bad_setting_names_its_field_for_python_and_for_the_command(
    field: str, value: Any
) -> None:
    try:
        ReceiverSettings(**{field: value})
    except SettingsError as error:
        assert error.field == field
        assert str(error).startswith(field.replace("_", " "))
        assert error.for_cli().startswith("--" + field.replace("_", "-") + " ")
    else:
        assert field != "path" or (isinstance(value, str) and value.startswith("/"))


async def test_a_bad_live_change_is_refused_and_the_receiver_keeps_answering(
    http: aiohttp.ClientSession,
) -> None:
    async with Receiver(fail_status=502) as receiver:
        with pytest.raises(SettingsError, match="fail rate 2: expected a share from 0 to 1"):
            receiver.fail_rate = 2
        with pytest.raises(SettingsError, match="fail status 100"):
            receiver.fail_status = 100
        with pytest.raises(AttributeError, match="path is fixed when the receiver is made"):
            receiver.path = "/other"
        assert (receiver.fail_rate, receiver.fail_status) == (0.0, 502)
        assert (await post(http, receiver))[0] == 200


def test_unknown_settings_are_refused_like_any_unknown_keyword() -> None:
    with pytest.raises(TypeError, match="fail_ratio"):
        Receiver(fail_ratio=0.5)
