"""What the course player and catalog pages show, and the steps a learner takes there.

The curriculum rule lives here: a learner may hold several registrations of one
course (a regenerated `reg`), and the curriculum counts the best of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.core.activities import lessons_done
from simulator.core.errors import NotFound
from simulator.core.launch_url import LaunchReading
from simulator.core.progress import Registration
from simulator.service.launch_log import PageLocation
from simulator.service.outcome import LaunchOutcome
from simulator.service.simulation import Simulation

STEPS = ("complete-lesson", "register", "attend")


class Player:
    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.store = sim.store

    def catalog(self) -> dict[str, Any]:
        """What the catalog page's launch-URL builder needs: courses and each org's LMSID."""
        env = self.sim.config.environment
        return {
            "environment": env,
            "courses": [
                {
                    "id": a.id,
                    "kind": a.kind,
                    "title": a.title,
                    "description": a.description,
                    "lessons": len(a.lessons),
                    "courses": list(a.courses),
                    "activityId": a.activity_id,
                    "stagingUrl": a.staging_url,
                    "productionUrl": a.production_url,
                }
                for a in self.sim.catalog()
            ],
            "organizations": [
                {"id": o.id, "name": o.name, "domains": list(o.domains), "lmsId": o.lms_ids[env]}
                for o in self.store.organizations()
            ],
        }

    def _best_by_course(self, state: Registration) -> dict[str, Registration]:
        """The learner's most advanced registration of each course."""
        mine: dict[str, Registration] = {}
        for r in self.store.learner_registrations(state.organization_id, state.email):
            best = mine.get(r.course_id)
            if best is None or (r.completed, r.progress) > (best.completed, best.progress):
                mine[r.course_id] = r
        return mine

    def view(self, state: Registration) -> dict[str, Any]:
        """Everything the page shows for one registration."""
        activity = self.store.activity(state.course_id)
        if activity is None:
            raise NotFound(f"course {state.course_id!r} is no longer in the catalog", "courseId")
        view: dict[str, Any] = {
            "course": activity.to_json(),
            "learner": {
                "firstName": state.first_name,
                "lastName": state.last_name,
                "email": state.email,
            },
            "registration": state.to_json(),
            "progress": state.progress,
            "completed": state.completed,
            "completionCode": state.completion_code,
        }
        if activity.kind == "course":
            view["lessonsDone"] = lessons_done(state.progress, len(activity.lessons))
        elif activity.kind == "event":
            view["event"] = {"registered": state.progress > 0, "attended": state.completed}
        else:
            mine = self._best_by_course(state)
            courses = []
            for course_id in activity.courses:
                course = self.store.activity(course_id)
                taken = mine.get(course_id)
                courses.append(
                    {
                        "id": course_id,
                        "title": course.title if course else course_id,
                        "progress": taken.progress if taken else 0,
                        "completed": bool(taken and taken.completed),
                        "started": taken is not None,
                    }
                )
            view["curriculum"] = courses
        return view

    def registration_of(self, course_id: str, reg: str) -> Registration:
        """The registration `reg`, if it is one of this course (the page's URL names both)."""
        state = self.store.registration(reg)
        if state is None or state.course_id != course_id:
            raise NotFound(f"registration {reg!r} is not a registration of this course", "reg")
        return state

    def registration_view(self, course_id: str, reg: str) -> dict[str, Any]:
        return self.view(self.registration_of(course_id, reg))

    def step(self, course_id: str, reg: str, action: str) -> dict[str, Any]:
        """One of the page's buttons (`STEPS`), and the view after it."""
        state = self.registration_of(course_id, reg)
        steps: dict[str, Callable[[str], Registration]] = {
            "complete-lesson": self.sim.complete_lesson,
            "register": self.sim.register_for_event,
            "attend": self.sim.attend_event,
        }
        return self.view(steps[action](state.registration))

    def launch(
        self, course_id: str, hash_: str, search: str, referrer: str
    ) -> tuple[LaunchOutcome, dict[str, Any] | None]:
        """A page launch from the raw URL parts: what it did, and the page's view of the
        registration (None when rejected)."""
        reading = self.sim.read_location(course_id, hash_, search, referrer)
        location = PageLocation(hash_, search, referrer)
        outcome = self.sim.launch_reading(reading, location, source="page")
        view = self.view(outcome.registration) if outcome.registration else None
        return outcome, view

    def open_url(self, url: str, referrer: str | None) -> LaunchOutcome:
        """A launch from a whole launch URL (`POST /_sim/launches/open`), logged as `url`."""
        reading = self.sim.read_url(url, referrer)
        before, mark, fragment = url.partition("#")
        query = before.partition("?")[2]
        location = PageLocation(
            mark + fragment, "?" + query if "?" in before else "", referrer or "", url
        )
        return self.sim.launch_reading(reading, location, source="url")

    def check_url(self, url: str, referrer: str | None) -> tuple[LaunchReading, LaunchOutcome]:
        """The same reading as `open_url`, judged against the store, changing nothing."""
        reading = self.sim.read_url(url, referrer)
        outcome, _ = self.sim.assess(reading.launch, reading.diagnostics, reading.fixed_url)
        return reading, outcome

    def faq(self, course_id: str) -> dict[str, Any]:
        """The course's questions and the help desk, with the course's title."""
        activity = self.store.activity(course_id)
        data = self.sim.fixtures.faq_for(course_id)
        data["course"] = {"id": course_id, "title": activity.title if activity else ""}
        return data
