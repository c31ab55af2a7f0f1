"""The webhook endpoint: what 77media sends reaches our database, once, newest state kept."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

import pytest
from simulator import Certificates, SimulatorClient

from lms.launch import LaunchSettings, learner_launch_url
from lms.store import Store


def take_course(
    sim: SimulatorClient, store: Store, settings: LaunchSettings, email: str, course: str
) -> str:
    """A learner launches a course with the registration our LMS keeps for them."""
    first, last = email.split("@")[0].split(".")
    reg = store.registration_for(email, course)
    sim.launch(
        course, reg, email, f"{first.title()} {last.title()}", settings.domain, settings.lms_id
    )
    return reg


def assert_store_matches_the_api(sim: SimulatorClient, store: Store) -> None:
    """Every registration we hold is 77media's current state of it."""
    for reg, row in store.all_progress().items():
        record = sim.registration(reg)
        assert (row.progress, row.completion_code) == (record["progress"], record["completionCode"])


def test_a_learner_launched_from_our_link_reaches_us_lesson_by_lesson(
    media77_sim: SimulatorClient,
    store: Store,
    subscribe: Callable[..., dict[str, Any]],
    settings: LaunchSettings,
) -> None:
    subscribe()
    course = media77_sim.catalog()[0]
    link = learner_launch_url(
        store,
        course["id"],
        f"{media77_sim.url}/courses/{course['id']}/",
        email="grace.hopper@example.com",
        first_name="Grace",
        last_name="Hopper",
        settings=settings,
    )
    opened = media77_sim.open(link)
    assert opened.ok, opened.problems
    reg = opened.registration["registration"]  # type: ignore[index]
    seen = []
    for _ in course["lessons"]:
        media77_sim.complete_lesson(reg)
        media77_sim.advance(0.5)  # one bundle window: the lesson's bundle is delivered
        seen.append(store.progress(reg).progress)  # type: ignore[union-attr]
    assert seen == sorted(seen) and seen[-1] == 100
    row = store.progress(reg)
    assert row is not None and row.completed and row.source == "webhook"
    assert row.completion_code == media77_sim.registration(reg)["completionCode"]


def test_progress_and_completion_reach_our_endpoint_over_https(
    media77_sim: SimulatorClient,
    store: Store,
    subscribe: Callable[..., dict[str, Any]],
    settings: LaunchSettings,
) -> None:
    subscribe()
    reg = take_course(media77_sim, store, settings, "ada.lovelace@example.com", "data-privacy")
    media77_sim.advance(0.5)
    assert store.progress(reg).progress == 0  # type: ignore[union-attr]
    media77_sim.set_progress(reg, 50)
    media77_sim.advance(0.5)
    assert store.progress(reg).progress == 50  # type: ignore[union-attr]
    media77_sim.complete(reg)
    media77_sim.advance(0.5)
    row = store.progress(reg)
    assert row is not None and row.completed and row.source == "webhook"
    assert [d["outcome"] for d in media77_sim.deliveries()] == ["delivered"] * 3
    assert_store_matches_the_api(media77_sim, store)


def test_a_wrong_token_is_refused_and_nothing_is_stored(
    media77_sim: SimulatorClient, store: Store, endpoint: str, settings: LaunchSettings
) -> None:
    media77_sim.add_webhook(endpoint, tokenValue="not-our-token", retrySchedule=[])
    take_course(media77_sim, store, settings, "eve.mallory@example.com", "data-privacy")
    media77_sim.advance(0.5)
    (attempt,) = media77_sim.deliveries()
    assert (attempt["outcome"], attempt["status"]) == ("dropped", 401)
    assert store.all_progress() == {}


def test_every_bundle_sent_twice_is_stored_once(
    media77_sim: SimulatorClient,
    store: Store,
    subscribe: Callable[..., dict[str, Any]],
    settings: LaunchSettings,
) -> None:
    subscribe(faults={"seed": 7, "duplicateRate": 1.0})
    regs = [
        take_course(media77_sim, store, settings, f"learner.n{i}@example.com", "data-privacy")
        for i in range(3)
    ]
    media77_sim.advance(0.5)
    for reg in regs:
        media77_sim.complete(reg)
    media77_sim.advance(0.5)
    delivered = media77_sim.deliveries(outcome="delivered")
    assert len(delivered) == 4  # two bundles, each delivered twice
    assert sorted({r.registration for r in store.all_progress().values()}) == sorted(regs)
    assert all(row.completed for row in store.all_progress().values())
    assert_store_matches_the_api(media77_sim, store)


def test_an_older_bundle_arriving_after_a_newer_one_changes_nothing(
    media77_sim: SimulatorClient,
    store: Store,
    subscribe: Callable[..., dict[str, Any]],
    settings: LaunchSettings,
) -> None:
    # The first attempt fails (503) and is retried a second later; the completion,
    # made meanwhile, travels in a later bundle that gets through first.
    subscribe(faults={"script": [503]}, retrySchedule=[1])
    reg = take_course(media77_sim, store, settings, "alan.turing@example.com", "data-privacy")
    media77_sim.advance(0.5)  # the 'started' bundle: 503
    media77_sim.complete(reg)
    media77_sim.advance(0.5)  # the 'completions' bundle: delivered
    media77_sim.advance(1)  # the 'started' bundle again: delivered, older
    delivered = [d["transactionIds"] for d in media77_sim.deliveries(outcome="delivered")]
    assert delivered[0][0] > delivered[1][0], "the bundles did not arrive out of order"
    row = store.progress(reg)
    assert row is not None and row.completed and row.progress == 100
    assert_store_matches_the_api(media77_sim, store)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"started": {}}',
        b'{"completions": [{"registration": "r", "transactionId": "7"}]}',
        b'{"progressed": [["not", "a", "record"]]}',
    ],
)
def test_a_malformed_bundle_is_refused_and_nothing_is_stored(
    endpoint: str, store: Store, media77_certs: Certificates, webhook_token: str, body: bytes
) -> None:
    request = urllib.request.Request(
        endpoint, data=body, headers={"access_token": webhook_token}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, context=media77_certs.client_ssl_context())
    assert answer.value.code == 400
    assert store.all_progress() == {}
