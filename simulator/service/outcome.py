"""What a launch did: its own module so the simulation and the launch log both use it
without importing each other."""

from __future__ import annotations

from msgspec import Struct

from simulator.core.diagnostics import Diagnostic, Severity
from simulator.core.organizations import Organization
from simulator.core.progress import Registration


class LaunchOutcome(Struct, frozen=True):
    """What a launch did: a registration (new or resumed), or the problems that stopped it.

    Every finding is one `Diagnostic`, so the answer, the page and the launch log name
    the same codes; `problems` and `warnings` are views of them.
    """

    registration: Registration | None
    created: bool
    diagnostics: tuple[Diagnostic, ...] = ()
    organization: Organization | None = None
    launch_id: int = 0  # its entry in the launch log (GET /_sim/launches)
    fixed_url: str | None = None  # the corrected launch URL, where one can be derived

    @property
    def problems(self) -> tuple[Diagnostic, ...]:
        if not self.diagnostics:  # most launches: asked several times each
            return ()
        return tuple(d for d in self.diagnostics if d.severity == Severity.ERROR)

    @property
    def warnings(self) -> tuple[str, ...]:
        """The warnings as text: what the registration keeps and the answers list."""
        if not self.diagnostics:
            return ()
        return tuple(d.message for d in self.diagnostics if d.severity == Severity.WARNING)

    @property
    def outcome(self) -> str:
        """`created`, `resumed` or `rejected`, as the launch log files it."""
        if self.registration is None:
            return "rejected"
        return "created" if self.created else "resumed"
