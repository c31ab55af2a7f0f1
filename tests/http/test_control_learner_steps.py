"""The learner's steps through the control API, on a real socket: what the player's
buttons do, for a test that has no browser (`lessons/next`, `event/register|attend`)."""

from __future__ import annotations

from simulator.pytest_plugin import SimHelper


def step(sim: SimHelper, reg: str, path: str) -> tuple[int, dict]:
    answer = sim.request("POST", f"/_sim/registrations/{reg}/{path}")
    return answer.status, answer.body


def test_next_lesson_moves_a_course_lesson_by_lesson_to_completion(sim: SimHelper) -> None:
    reg = sim.start_course("data-privacy")["registration"]  # four lessons
    seen = []
    for _ in range(4):
        status, body = step(sim, reg, "lessons/next")
        assert status == 200 and body["registration"] == reg
        seen.append(body["progress"])
    assert seen == sorted(seen) and seen[0] > 0 and seen[-1] == 100
    assert body["completionCode"] and sim.registration(reg) == body


def test_an_event_is_registered_for_then_attended(sim: SimHelper) -> None:
    reg = sim.start_course("safety-webinar-live")["registration"]
    status, early = step(sim, reg, "event/attend")
    assert status == 409 and early["error"] == "conflict"
    status, registered = step(sim, reg, "event/register")
    assert status == 200 and registered["progress"] == 50 and not registered["completionCode"]
    status, attended = step(sim, reg, "event/attend")
    assert status == 200 and attended["progress"] == 100 and attended["completionCode"]


def test_steps_that_do_not_fit_the_activity_are_409(sim: SimHelper) -> None:
    course = sim.start_course("data-privacy")["registration"]
    event = sim.start_course("leadership-workshop")["registration"]
    assert step(sim, course, "event/register")[0] == 409
    assert step(sim, event, "lessons/next")[0] == 409


def test_steps_on_an_unknown_registration_are_404(sim: SimHelper) -> None:
    for path in ("lessons/next", "event/register", "event/attend"):
        status, body = step(sim, "no-such-reg", path)
        assert status == 404 and body["error"] == "not_found" and body["field"] == "registration"
