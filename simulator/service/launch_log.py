"""Entries of the launch log (`GET /_sim/launches`): what one launch did, and why.

Built from a `LaunchOutcome` and, for the player page, the raw URL parts; the
store keeps them (`store/launches.py`). Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.core.fragment import ERROR, WARNING, Diagnostic, ParsedLocation
from simulator.core.launch import PARAMETERS
from simulator.service.outcome import LaunchOutcome

MAX_VALUE = 1024
MAX_LOCATION = 4096


@dataclass(frozen=True)
class PageLocation:
    """The raw URL parts a page launch came with, and how they were read."""

    parsed: ParsedLocation
    hash: str
    search: str
    referrer: str


def _text(value: object, limit: int = MAX_VALUE) -> str:
    """A launch value as the log keeps it: text, bounded (the log is for reading)."""
    return ("" if value is None else value if isinstance(value, str) else repr(value))[:limit]


def outcome_name(outcome: LaunchOutcome) -> str:
    if outcome.registration is None:
        return "rejected"
    return "created" if outcome.created else "resumed"


def launch_diagnostics(outcome: LaunchOutcome, parsed: ParsedLocation | None) -> list[Diagnostic]:
    """Everything worth telling about one launch, URL faults and registration conflicts alike.

    A rejected launch that still names its organization passed validation and was
    stopped by `registration_conflicts`: its problems are a reused `reg`.
    """
    diagnostics = list(parsed.diagnostics) if parsed else []
    from_url = set(parsed.warnings) if parsed else set()
    for warning in outcome.warnings:
        if warning not in from_url:
            code = (
                "registration_regenerated"
                if warning.startswith("registration regenerated")
                else "warning"
            )
            diagnostics.append(Diagnostic(code, WARNING, warning, "reg"))
    if outcome.registration is None and outcome.organization is not None:
        diagnostics.extend(
            Diagnostic("registration_reused", ERROR, p.message, p.field) for p in outcome.problems
        )
    return diagnostics


def log_entry(
    course_id: str,
    params: Mapping[str, object],
    outcome: LaunchOutcome,
    source: str,
    location: PageLocation | None,
) -> dict[str, Any]:
    """The log's JSON for one launch (without `id` and `at`, which the store adds)."""
    state = outcome.registration
    diagnostics = launch_diagnostics(outcome, location.parsed if location else None)
    entry: dict[str, Any] = {
        "source": source,
        "courseId": _text(course_id, 255),
        "outcome": outcome_name(outcome),
        "registration": state.registration if state else _text(params.get("reg"), 255),
        "email": state.email if state else _text(params.get("em"), 255),
        "organizationId": outcome.organization.id if outcome.organization else "",
        "params": {name: _text(params[name]) for name in PARAMETERS if name in params},
        "problems": [p.to_json() for p in outcome.problems],
        "warnings": list(outcome.warnings),
        "diagnostics": [d.to_json() for d in diagnostics],
    }
    if location is not None:
        entry.update(
            hash=location.hash[:MAX_LOCATION],
            search=location.search[:MAX_LOCATION],
            referrer=location.referrer[:MAX_LOCATION],
        )
    return entry
