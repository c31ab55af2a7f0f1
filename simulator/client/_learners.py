"""Learners: launches (by parameters or by whole URL), registrations and their progress."""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, Unpack
from urllib.parse import quote, urlencode

from simulator.client._control import ControlMethods
from simulator.client._http import SimulatorError

DEFAULT_EMAIL = "ada.lovelace@example.com"
DEFAULT_NAME = "Ada Lovelace"


@dataclass(frozen=True)
class LaunchResult:
    """What the vendor's page would make of a launch URL.

    `ok`: the launch is readable and valid. `registration`: the registration it
    starts or resumes (for `check_url`, what it would be), None when not `ok`.
    `problems`: every problem `{code, severity, message, field}` when not `ok`.
    `warnings`: what does not stop the launch but deserves fixing.
    `fixed_url`: the corrected URL, when one can be derived.
    """

    ok: bool
    registration: dict[str, Any] | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    fixed_url: str | None = None
    status: int = 0
    body: Any = None

    @property
    def created(self) -> bool:
        """A new registration (201), not a resumed one."""
        return self.status == 201


class LaunchFilters(TypedDict, total=False):
    """Filters of the launch log, spelt as in its query."""

    registration: str
    courseId: str
    outcome: Literal["created", "resumed", "rejected"]
    limit: int
    offset: int


class LearnerMethods(ControlMethods):
    # -- launching ------------------------------------------------------------------------

    def launch(
        self, course_id: str, reg: str, em: str, fn: str, dom: str, lms_id: str
    ) -> dict[str, Any]:
        """A launch without a browser, validated as the page validates it.

        The launch names are the vendor's: `reg` (a UUID), `em` (e-mail), `fn`
        ("First Last"), `dom` (the LMS's host), `lms_id`. Answers the registration
        (with `warnings`); an invalid launch raises `SimulatorError` (400,
        `code == "invalid_launch"`, every problem in `body["problems"]`).
        """
        body = {"courseId": course_id, "reg": reg, "em": em, "fn": fn, "dom": dom, "lmsId": lms_id}
        return dict(self.call("POST", "/_sim/registrations", body))

    def launch_url(
        self,
        course_id: str | None = None,
        *,
        reg: str | None = None,
        em: str | None = None,
        fn: str | None = None,
        dom: str = "localhost",
        lms_id: str | None = None,
        email: str | None = None,
        name: str | None = None,
    ) -> str:
        """A launch URL in the vendor's form: `{url}/courses/{id}/#/?reg=&em=&fn=&dom=&lmsId=`.

        Defaults: the catalog's first course, a new `reg`, Ada Lovelace, `dom`
        localhost and the default organization's LMSID for the simulator's
        environment. `email=` and `name=` are the deprecated spellings of `em=`
        and `fn=`.
        """
        em, fn = _launch_names(em, fn, email, name)
        course = course_id or self.catalog()[0]["id"]
        if lms_id is None:
            lms_id = self.default_organization()["lmsIds"][self.health()["environment"]]
        params = {"reg": reg or str(uuid.uuid4()), "em": em, "fn": fn, "dom": dom, "lmsId": lms_id}
        query = urlencode(params, quote_via=quote)
        return f"{self.url}/courses/{quote(course)}/#/?{query}"

    def start_course(
        self,
        course_id: str = "workplace-safety",
        *,
        reg: str | None = None,
        em: str | None = None,
        fn: str | None = None,
        email: str | None = None,
        name: str | None = None,
    ) -> dict[str, Any]:
        """Launch a course for a learner of the default organization; the registration.

        The learner is `em`/`fn` (or, as this helper always took them, `email`/`name`),
        Ada Lovelace by default; `dom` localhost; a new `reg` unless given.
        """
        em, fn = _launch_names(em, fn, email, name, deprecated=False)
        lms_id = self.default_organization()["lmsIds"][self.health()["environment"]]
        return self.launch(course_id, reg or str(uuid.uuid4()), em, fn, "localhost", lms_id)

    def open(self, url: str, referrer: str | None = None) -> LaunchResult:
        """Open a whole launch URL exactly as the vendor's page reads it (`POST launches/open`).

        A valid launch starts or resumes the registration; an invalid one changes
        nothing and comes back with `ok` false, its problems and `fixed_url`.
        `referrer` is the page the learner came from (checked against `dom`).
        """
        return self._launch_by_url("open", url, referrer)

    def check_url(self, url: str, referrer: str | None = None) -> LaunchResult:
        """Read a launch URL as `open` does, changing nothing (`POST launches/check`)."""
        return self._launch_by_url("check", url, referrer)

    def _launch_by_url(self, action: str, url: str, referrer: str | None) -> LaunchResult:
        body = {"url": url} if referrer is None else {"url": url, "referrer": referrer}
        answer = self.request("POST", f"/_sim/launches/{action}", body)
        data = answer.body if isinstance(answer.body, dict) else {}
        ok = answer.status in (200, 201)
        if not ok and not (answer.status == 400 and data.get("error") == "invalid_launch"):
            raise SimulatorError(answer.status, answer.body)
        return LaunchResult(
            ok=ok,
            registration=data if ok else None,
            problems=[] if ok else list(data.get("problems", [])),
            warnings=list(data.get("warnings", [])),
            fixed_url=data.get("fixedUrl"),
            status=answer.status,
            body=answer.body,
        )

    def launches(self, **filters: Unpack[LaunchFilters]) -> list[dict[str, Any]]:
        """The launch log, newest first: every launch with its outcome and problems."""
        return list(self.call("GET", "/_sim/launches", query=dict(filters)))

    # -- registrations --------------------------------------------------------------------

    def registrations(
        self,
        organization_id: str | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
    ) -> list[dict[str, Any]]:
        """Registrations, newest change first (100 at a time unless `limit`)."""
        query = {"organizationId": organization_id, "limit": limit, "offset": offset}
        return list(self.call("GET", "/_sim/registrations", query=query))

    def registration(self, reg: str) -> dict[str, Any]:
        """One registration `{registration, courseId, progress, dateCompleted, ...}`."""
        return dict(self.call("GET", _reg_path(reg)))

    def set_progress(self, reg: str, progress: int) -> dict[str, Any]:
        """Move a registration's progress forward (0-100); 100 completes it."""
        return dict(self.call("POST", _reg_path(reg, "progress"), {"progress": progress}))

    def complete(self, reg: str) -> dict[str, Any]:
        """Complete the activity: progress 100, a completion date and code."""
        return dict(self.call("POST", _reg_path(reg, "complete")))

    def complete_lesson(self, reg: str) -> dict[str, Any]:
        """Complete a course's next lesson, as the learner's click would; the registration."""
        return dict(self.call("POST", _reg_path(reg, "lessons/next")))

    def register_event(self, reg: str) -> dict[str, Any]:
        """Register for an event (progress 50, a `progressed` record)."""
        return dict(self.call("POST", _reg_path(reg, "event/register")))

    def attend_event(self, reg: str) -> dict[str, Any]:
        """Attend a registered event (its completion)."""
        return dict(self.call("POST", _reg_path(reg, "event/attend")))


def _reg_path(reg: str, action: str = "") -> str:
    path = f"/_sim/registrations/{quote(reg, safe='')}"
    return f"{path}/{action}" if action else path


def _launch_names(
    em: str | None,
    fn: str | None,
    email: str | None,
    name: str | None,
    *,
    deprecated: bool = True,
) -> tuple[str, str]:
    for old, new, given in (("email", "em", email), ("name", "fn", name)):
        if deprecated and given is not None:
            warnings.warn(
                f"{old}= is deprecated: use the launch name {new}=",
                DeprecationWarning,
                stacklevel=3,
            )
    em = em if em is not None else email if email is not None else DEFAULT_EMAIL
    fn = fn if fn is not None else name if name is not None else DEFAULT_NAME
    return em, fn
