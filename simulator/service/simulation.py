"""The simulation: core rules applied to stored state, and transactions announced.

This is the seam between the pure core and the shell. HTTP handlers, the player
and the seeder all change state through here, so every change is validated the
same way, written as one transaction, and handed to listeners (the webhook
engine) in the order it happened.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from simulator.clock import Clock
from simulator.config import Config
from simulator.core.activities import (
    EVENT_REGISTERED_PROGRESS,
    Activity,
    curricula_containing,
    curriculum_progress,
    lesson_progress,
    lessons_done,
)
from simulator.core.dates import to_iso_ms
from simulator.core.errors import Conflict, NotFound
from simulator.core.fragment import ParsedLocation, parse_location
from simulator.core.launch import Launch, Problem, registration_conflicts, validate_launch
from simulator.core.progress import Registration, advance, check_progress, start
from simulator.core.records import Transaction
from simulator.fixtures import Fixtures
from simulator.service.launch_log import PageLocation, log_entry
from simulator.service.outcome import LaunchOutcome
from simulator.store import Store
from simulator.store import launches as launches_store

Listener = Callable[[Sequence[Transaction]], None]


def member_number(organization_id: str, email: str) -> str:
    """A stable nine-digit member number, as user verification would supply."""
    digest = hashlib.sha256(f"{organization_id}\0{email.lower()}".encode()).hexdigest()
    return str(int(digest[:15], 16) % 10**9).zfill(9)


class Simulation:
    def __init__(self, config: Config, clock: Clock, store: Store, fixtures: Fixtures) -> None:
        self.config = config
        self.clock = clock
        self.store = store
        self.fixtures = fixtures
        self._listeners: list[Listener] = []

    # -- listeners ------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every batch of new transactions, in order."""
        self._listeners.append(listener)

    def _publish(self, transactions: Sequence[Transaction]) -> None:
        if transactions:
            for listener in self._listeners:
                listener(transactions)

    # -- catalog --------------------------------------------------------------------------

    def catalog(self) -> tuple[Activity, ...]:
        """The courses, events and curricula, in the fixtures' order, served from here."""
        base = self.config.public_base_url
        return tuple(a.served_from(base) for a in self.store.activities())

    def on_reset(self, hook: Callable[[], None]) -> None:
        """Transitional no-op for the webhook engine's old registration: a reset now
        replaces the whole simulation (`simulator.runtime`), so there is nothing to call."""

    # -- launch ---------------------------------------------------------------------------

    def validate(
        self, course_id: str, params: Mapping[str, object]
    ) -> tuple[Launch | None, tuple[Problem, ...]]:
        result = validate_launch(
            course_id,
            params,
            environment=self.config.environment,
            organizations=self.store.organizations(),
            course_ids={a.id for a in self.store.activities()},
        )
        return result.launch, result.problems

    def launch(
        self,
        course_id: str,
        params: Mapping[str, object],
        warnings: Sequence[str] = (),
        *,
        source: str = "api",
        location: PageLocation | None = None,
    ) -> LaunchOutcome:
        """Create or resume the registration a launch URL names, and log the launch."""
        outcome = self._launch(course_id, params, warnings)
        return replace(
            outcome, launch_id=self._log_launch(course_id, params, outcome, source, location)
        )

    def _launch(
        self, course_id: str, params: Mapping[str, object], warnings: Sequence[str] = ()
    ) -> LaunchOutcome:
        launch, problems = self.validate(course_id, params)
        if launch is None:
            return LaunchOutcome(None, False, problems, tuple(warnings))
        existing = self.store.registration(launch.reg)
        unfinished = [
            r
            for r in self.store.learner_registrations(launch.organization.id, launch.email)
            if r.course_id == course_id and not r.completed
        ]
        errors, more_warnings = registration_conflicts(launch, existing, unfinished)
        all_warnings = (*warnings, *more_warnings)
        if errors:
            return LaunchOutcome(None, False, tuple(errors), all_warnings, launch.organization)
        if existing is not None:
            return LaunchOutcome(existing, False, (), all_warnings, launch.organization)
        activity = self.store.activity(course_id)
        assert activity is not None  # validate_launch checked the catalog
        now = self.clock.now()
        org = launch.organization
        member = member_number(org.id, launch.email) if org.user_verification else ""
        fresh = Registration(
            registration=launch.reg,
            organization_id=org.id,
            course_id=course_id,
            activity_id=activity.activity_id,
            activity_title=activity.title,
            email=launch.email,
            first_name=launch.first_name,
            last_name=launch.last_name,
            member_identifier=member,
            progress=0,
            date_started=now,
            last_activity_at=now,
            warnings=tuple(all_warnings),
        )
        state, transaction = self.store.record(start(fresh), learner_member_identifier=member)
        transactions = [transaction]
        if activity.kind == "curriculum":
            state, more = self._sync_curriculum(state, activity)
            transactions += more
        self._publish(transactions)
        return LaunchOutcome(state, True, (), all_warnings, org)

    # -- progress ---------------------------------------------------------------------------

    def registration(self, reg: str) -> Registration:
        found = self.store.registration(reg)
        if found is None:
            raise NotFound(f"registration {reg!r} does not exist", "registration")
        return found

    def list_registrations(
        self, organization_id: str | None, *, limit: int, offset: int
    ) -> tuple[list[Registration], int]:
        """A page of registrations, newest change first, and the total (one organization's)."""
        if organization_id is not None and self.store.organization(organization_id) is None:
            raise NotFound(f"organization {organization_id!r} does not exist", "organizationId")
        return self.store.list_registrations(
            organization_id=organization_id, limit=limit, offset=offset
        )

    def _activity_of(self, state: Registration) -> Activity:
        activity = self.store.activity(state.course_id)
        if activity is None:
            raise NotFound(
                f"course {state.course_id!r} is no longer in the catalog", "registration"
            )
        return activity

    def _apply(self, state: Registration, progress: int) -> tuple[Registration, list[Transaction]]:
        step = advance(state, progress, self.clock.now(), str(uuid.uuid4()))
        if step is None:
            return state, []
        state, transaction = self.store.record(step)
        transactions = [transaction]
        if step.kind == "completions":
            transactions += self._after_course_completed(state)
        return state, transactions

    def set_progress(self, reg: str, progress: object) -> Registration:
        """Move progress forward (never back); 100 completes. Unchanged when not forward."""
        value = check_progress(progress)
        state = self.registration(reg)
        activity = self._activity_of(state)
        if activity.kind == "curriculum":
            raise Conflict(
                "a curriculum's progress follows its courses: complete the courses instead"
            )
        state, transactions = self._apply(state, value)
        self._publish(transactions)
        return state

    def complete(self, reg: str) -> Registration:
        state = self.registration(reg)
        if self._activity_of(state).kind == "curriculum":
            raise Conflict("a curriculum is earned by completing all of its courses")
        return self.set_progress(reg, 100)

    def complete_lesson(self, reg: str) -> Registration:
        """The player's "Complete lesson": the next lesson done, progress by lessons."""
        state = self.registration(reg)
        activity = self._activity_of(state)
        if activity.kind != "course":
            raise Conflict(
                f"{activity.title} is a{'n' if activity.kind == 'event' else ''} "
                f"{activity.kind}, not a course with lessons"
            )
        total = len(activity.lessons)
        return self.set_progress(
            reg, lesson_progress(lessons_done(state.progress, total) + 1, total)
        )

    def register_for_event(self, reg: str) -> Registration:
        return self._event_step(reg, EVENT_REGISTERED_PROGRESS)

    def attend_event(self, reg: str) -> Registration:
        """Attendance completes an event, after registration (as the vendor's events run)."""
        state = self.registration(reg)
        if self._activity_of(state).kind == "event" and state.progress < EVENT_REGISTERED_PROGRESS:
            raise Conflict("register for the event before attending it")
        return self._event_step(reg, 100)

    def _event_step(self, reg: str, progress: int) -> Registration:
        state = self.registration(reg)
        if self._activity_of(state).kind != "event":
            raise Conflict(f"registration {reg} is not for an event")
        return self.set_progress(reg, progress)

    # -- curricula --------------------------------------------------------------------------

    def _completed_courses(self, organization_id: str, email: str) -> set[str]:
        return {
            r.course_id
            for r in self.store.learner_registrations(organization_id, email)
            if r.completed
        }

    def _sync_curriculum(
        self, state: Registration, curriculum: Activity
    ) -> tuple[Registration, list[Transaction]]:
        done = self._completed_courses(state.organization_id, state.email)
        progress = curriculum_progress(len(done & set(curriculum.courses)), len(curriculum.courses))
        step = advance(state, progress, self.clock.now(), str(uuid.uuid4()))
        if step is None:
            return state, []
        state, transaction = self.store.record(step)
        return state, [transaction]

    def _after_course_completed(self, course_state: Registration) -> list[Transaction]:
        """A completed course moves every curriculum of this learner that lists it."""
        transactions: list[Transaction] = []
        curricula = {
            a.id: a for a in curricula_containing(self.store.activities(), course_state.course_id)
        }
        if not curricula:
            return transactions
        for other in self.store.learner_registrations(
            course_state.organization_id, course_state.email
        ):
            if other.course_id in curricula and not other.completed:
                _, more = self._sync_curriculum(other, curricula[other.course_id])
                transactions += more
        return transactions

    # -- the player page's launches and the launch log (issue 4) -----------------------------

    def launch_from_location(
        self, course_id: str, hash_: str, search: str = "", referrer: str = ""
    ) -> tuple[LaunchOutcome, ParsedLocation]:
        """A launch as the player page sees it: the raw URL parts, read like the vendor does."""
        parsed = parse_location(hash_, search, referrer)
        location = PageLocation(parsed, hash_, search, referrer)
        outcome = self.launch(
            course_id, parsed.params, parsed.warnings, source="page", location=location
        )
        return outcome, parsed

    def _log_launch(
        self,
        course_id: str,
        params: Mapping[str, object],
        outcome: LaunchOutcome,
        source: str,
        location: PageLocation | None,
    ) -> int:
        entry = log_entry(course_id, params, outcome, source, location)
        at = to_iso_ms(self.clock.now())
        return launches_store.record_launch(self.store, at, entry)
