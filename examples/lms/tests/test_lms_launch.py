"""Our course links, read by 77media's launch page exactly as it reads them."""

from __future__ import annotations

from simulator import SimulatorClient

from lms.launch import LaunchSettings, launch_url, learner_launch_url
from lms.store import Store

REG = "0f8fad5b-d9cb-469f-a165-70867728950e"


def link(sim: SimulatorClient, store: Store, settings: LaunchSettings) -> str:
    return learner_launch_url(
        store,
        "data-privacy",
        f"{sim.url}/courses/data-privacy/",
        email="o'brien+lms@example.com",
        first_name="Mary",
        last_name="O'Brien",
        settings=settings,
    )


def test_a_link_has_the_documented_form_with_every_value_encoded() -> None:
    url = launch_url(
        "https://staging.77media.example/courses/data-privacy/",
        registration=REG,
        email="ada+lms@example.com",
        first_name="Ada",
        last_name="Lovelace",
        settings=LaunchSettings(lms_id="ACME-STG-7701", domain="learn.example.com"),
    )
    assert url == (
        "https://staging.77media.example/courses/data-privacy/#/?"
        f"reg={REG}&em=ada%2Blms%40example.com&fn=Ada%20Lovelace"
        "&dom=learn.example.com&lmsId=ACME-STG-7701"
    )


def test_a_learner_keeps_one_registration_per_course(store: Store) -> None:
    first = store.registration_for("ada@example.com", "data-privacy")
    assert store.registration_for("ADA@example.com", "data-privacy") == first
    assert store.registration_for("ada@example.com", "cyber-hygiene") != first


def test_77media_reads_our_link_as_we_meant_it(
    media77_sim: SimulatorClient, store: Store, settings: LaunchSettings
) -> None:
    result = media77_sim.check_url(link(media77_sim, store, settings))
    assert result.ok, result.problems
    assert result.warnings == []


def test_parameters_before_the_hash_are_rejected_with_the_fix(
    media77_sim: SimulatorClient, store: Store, settings: LaunchSettings
) -> None:
    good = link(media77_sim, store, settings)
    base, query = good.split("#/?")
    broken = f"{base}?{query}"  # the mistake: a query string where the page never looks

    result = media77_sim.check_url(broken)

    assert not result.ok
    assert "parameters_before_hash" in [p["code"] for p in result.problems]
    assert result.fixed_url is not None and media77_sim.check_url(result.fixed_url).ok
    assert media77_sim.registrations() == []  # a rejected launch starts nothing


def test_the_same_link_resumes_the_learners_registration(
    media77_sim: SimulatorClient, store: Store, settings: LaunchSettings
) -> None:
    first = media77_sim.open(link(media77_sim, store, settings))
    again = media77_sim.open(link(media77_sim, store, settings))
    assert first.ok and again.ok
    assert (first.created, again.created) == (True, False)
    assert first.registration["email"] == "o'brien+lms@example.com"  # type: ignore[index]
