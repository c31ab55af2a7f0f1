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
from contextlib import AbstractContextManager

from msgspec.structs import replace

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
from simulator.core.diagnostics import Code, Diagnostic, Severity, error, warning
from simulator.core.errors import Conflict, NotFound
from simulator.core.launch import Launch, registration_conflicts
from simulator.core.launch_reader import read_location
from simulator.core.launch_rules import check_launch
from simulator.core.launch_url import LaunchReading, read_launch_location, read_launch_url
from simulator.core.progress import Registration, advance, check_progress, start
from simulator.core.records import Transaction
from simulator.fixtures import Fixtures
from simulator.service.launch_log import LogRow, PageLocation, log_row
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
        self._indexed: tuple[Activity, ...] | None = None  # the catalog indexed below
        self._ids: frozenset[str] = frozenset()
        self._by_id: dict[str, Activity] = {}

    # -- listeners ------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` with every batch of new transactions, in order."""
        self._listeners.append(listener)

    def _publish(self, transactions: Sequence[Transaction]) -> None:
        """Hand `transactions` to the listeners once they are committed (never before: a
        webhook or a dashboard line must not show a change a crash could still undo)."""
        if transactions:
            self.store.after_commit(lambda: self._notify(transactions))

    def _notify(self, transactions: Sequence[Transaction]) -> None:
        for listener in self._listeners:
            listener(transactions)

    # -- the HTTP layer's commits ---------------------------------------------------------

    def deferred_commits(self) -> AbstractContextManager[None]:
        """Writes made in this context (one request) may join a group commit; the request
        is answered after `durable()` (store/commits.py)."""
        return self.store.deferred_commits()

    async def durable(self) -> None:
        """Return once every write made so far is committed."""
        await self.store.durable()

    # -- catalog --------------------------------------------------------------------------

    def catalog(self) -> tuple[Activity, ...]:
        """The courses, events and curricula, in the fixtures' order, served from here."""
        base = self.config.public_base_url
        return tuple(a.served_from(base) for a in self.store.activities())

    # -- launch ---------------------------------------------------------------------------
    # Every launch is read and validated by the strict core (`core/launch_url.py`,
    # `core/launch_rules.py`); `--lenient-launch` passes `lenient=True` to the same
    # functions. A launch the vendor could not read writes nothing but its log entry.

    def _index_catalog(self) -> None:
        """The catalog's ids, and its activities by id, built once per catalog (the store
        keeps the same tuple until the catalog changes)."""
        activities = self.store.activities()
        if self._indexed is not activities:
            self._indexed = activities
            self._ids = frozenset(a.id for a in activities)
            self._by_id = {a.id: a for a in reversed(activities)}  # the first of an id

    def _course_ids(self) -> frozenset[str]:
        self._index_catalog()
        return self._ids

    def check_params(
        self, course_id: str, params: Mapping[str, object]
    ) -> tuple[Launch | None, tuple[Diagnostic, ...]]:
        """The five values of a launch without a browser (`POST /_sim/registrations`).

        Lenient mode trims the values first, as the pre-2026-11 reading did.
        """
        values = (
            {k: v.strip() if isinstance(v, str) else v for k, v in params.items()}
            if self.config.lenient_launch
            else params
        )
        return check_launch(
            course_id,
            values,
            environment=self.config.environment,
            organizations=self.store.organizations(),
            course_ids=self._course_ids(),
        )

    def read_location(
        self, course_id: str, hash_: str, search: str = "", referrer: str = ""
    ) -> LaunchReading:
        """The player page's raw URL parts, read as the vendor's page reads them."""
        return read_launch_location(
            course_id,
            hash_,
            search,
            referrer,
            base=self.config.public_base_url,
            organizations=self.store.organizations(),
            environment=self.config.environment,
            course_ids=self._course_ids(),
            lenient=self.config.lenient_launch,
        )

    def read_url(self, url: str, referrer: str | None = None) -> LaunchReading:
        """A whole launch URL, read as the vendor's page would after a click."""
        return read_launch_url(
            url,
            referrer,
            organizations=self.store.organizations(),
            environment=self.config.environment,
            course_ids=self._course_ids(),
            lenient=self.config.lenient_launch,
        )

    def _conflicts(self, launch: Launch) -> tuple[Registration | None, tuple[Diagnostic, ...]]:
        """What the store adds: the registration `reg` names, and a reused or regenerated reg."""
        existing, unfinished = launches_store.registration_and_unfinished(
            self.store, launch.reg, launch.organization.id, launch.email, launch.course_id
        )
        errors, warnings = registration_conflicts(launch, existing, unfinished)
        return existing, (
            *(error(Code.REGISTRATION_REUSED, p.message, p.field) for p in errors),
            *(warning(Code.REGISTRATION_REGENERATED, text, "reg") for text in warnings),
        )

    def assess(
        self,
        launch: Launch | None,
        diagnostics: Sequence[Diagnostic],
        fixed_url: str | None = None,
    ) -> tuple[LaunchOutcome, Registration | None]:
        """A launch judged against the store, changing nothing: (the outcome if it fails or
        resumes, with the registration it would resume)."""
        if launch is None:
            return LaunchOutcome(None, False, tuple(diagnostics), fixed_url=fixed_url), None
        existing, found = self._conflicts(launch)
        everything = (*diagnostics, *found)
        if any(d.severity == Severity.ERROR for d in found):
            rejected = LaunchOutcome(None, False, everything, launch.organization, 0, fixed_url)
            return rejected, None
        return LaunchOutcome(
            existing, False, everything, launch.organization, 0, fixed_url
        ), existing

    def launch(
        self,
        course_id: str,
        params: Mapping[str, object],
        *,
        source: str = "api",
    ) -> LaunchOutcome:
        """Create or resume the registration a launch names, and log the launch."""
        launch, diagnostics = self.check_params(course_id, params)
        with self.store.transaction():  # the registration and its log entry: one commit
            outcome = self._launch(course_id, launch, diagnostics)
            launch_id = self._record(log_row(course_id, params, outcome, source, None))
        return replace(outcome, launch_id=launch_id)

    def launch_reading(
        self, reading: LaunchReading, location: PageLocation, *, source: str = "page"
    ) -> LaunchOutcome:
        """Go ahead with a launch read from a URL (the page's, or a whole one), and log it."""
        meant = read_location(location.hash, location.search).repaired
        with self.store.transaction():  # the registration and its log entry: one commit
            outcome = self._launch(
                reading.course_id, reading.launch, reading.diagnostics, reading.fixed_url
            )
            row = log_row(reading.course_id, reading.params, outcome, source, location, meant)
            launch_id = self._record(row)
        return replace(outcome, launch_id=launch_id)

    def _launch(
        self,
        course_id: str,
        launch: Launch | None,
        diagnostics: Sequence[Diagnostic],
        fixed_url: str | None = None,
    ) -> LaunchOutcome:
        outcome, existing = self.assess(launch, diagnostics, fixed_url)
        if launch is None or outcome.problems or existing is not None:
            return outcome  # rejected, or resumed
        activity = self.store.activity(course_id)
        assert activity is not None  # check_launch checked the catalog
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
            warnings=outcome.warnings,
        )
        state, transaction = self.store.record(start(fresh), learner_member_identifier=member)
        transactions = [transaction]
        if activity.kind == "curriculum":
            state, more = self._sync_curriculum(state, activity)
            transactions += more
        self._publish(transactions)
        return replace(outcome, registration=state, created=True)

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
        self._index_catalog()
        activity = self._by_id.get(state.course_id)
        if activity is None:
            raise NotFound(
                f"course {state.course_id!r} is no longer in the catalog", "registration"
            )
        return activity

    def _apply(self, state: Registration, progress: int) -> tuple[Registration, list[Transaction]]:
        # A completion code is drawn only for the step that can complete.
        code = str(uuid.uuid4()) if progress == 100 else ""
        step = advance(state, progress, self.clock.now(), code)
        if step is None:
            return state, []
        if step.kind != "completions":  # one write: its own transaction
            state, transaction = self.store.record(step)
            return state, [transaction]
        with self.store.transaction():  # the step and the curricula it moves: one commit
            state, transaction = self.store.record(step)
            transactions = [transaction]
            transactions += self._after_course_completed(state)
        return state, transactions

    def set_progress(self, reg: str, progress: object) -> Registration:
        """Move progress forward (never back); 100 completes. Unchanged when not forward."""
        value = check_progress(progress)
        return self._set_progress(self.registration(reg), value)

    def _set_progress(self, state: Registration, value: int) -> Registration:
        """`set_progress` on a registration already read (each step reads it once)."""
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
        return self._set_progress(state, 100)

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
        return self._set_progress(
            state, check_progress(lesson_progress(lessons_done(state.progress, total) + 1, total))
        )

    def register_for_event(self, reg: str) -> Registration:
        return self._event_step(reg, self.registration(reg), EVENT_REGISTERED_PROGRESS)

    def attend_event(self, reg: str) -> Registration:
        """Attendance completes an event, after registration (as the vendor's events run)."""
        state = self.registration(reg)
        if self._activity_of(state).kind == "event" and state.progress < EVENT_REGISTERED_PROGRESS:
            raise Conflict("register for the event before attending it")
        return self._event_step(reg, state, 100)

    def _event_step(self, reg: str, state: Registration, progress: int) -> Registration:
        if self._activity_of(state).kind != "event":
            raise Conflict(f"registration {reg} is not for an event")
        return self._set_progress(state, progress)

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

    # -- the launch log ----------------------------------------------------------------------

    def _record(self, row: LogRow) -> int:
        return launches_store.record_launch(self.store, to_iso_ms(self.clock.now()), row)
