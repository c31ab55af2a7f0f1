"""Entries of the launch log (`GET /_sim/launches`): what one launch did, and why.

Built from a `LaunchOutcome` and what the launch came with (the page's raw URL parts,
or a whole URL); the store keeps them (`store/launches.py`). Every attempt is kept,
valid or not, with the codes of everything found, and the values whole (the wire
records carry only the vendor's 100 characters: the log shows what was sent). Pure:
no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from simulator.core.launch_values import PARAMETERS
from simulator.service.outcome import LaunchOutcome

MAX_VALUE = 1024
MAX_LOCATION = 4096


@dataclass(frozen=True)
class PageLocation:
    """What a launch from a URL came with: the page's raw parts, or the whole URL."""

    hash: str
    search: str
    referrer: str
    url: str | None = None  # `POST /_sim/launches/open` is given the whole URL


def _text(value: object, limit: int = MAX_VALUE) -> str:
    """A launch value as the log keeps it: text, bounded (the log is for reading)."""
    return ("" if value is None else value if isinstance(value, str) else repr(value))[:limit]


def outcome_name(outcome: LaunchOutcome) -> str:
    return outcome.outcome


def log_entry(
    course_id: str,
    params: Mapping[str, object],
    outcome: LaunchOutcome,
    source: str,
    location: PageLocation | None,
    meant: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The log's JSON for one launch (without `id` and `at`, which the store adds).

    `meant` are the values the LMS meant by a URL the page could not read: the
    entry is filed under that `reg` and e-mail, so a filter by `reg` finds it.
    """
    state = outcome.registration
    filed = {**(meant or {}), **params}
    entry: dict[str, Any] = {
        "source": source,
        "courseId": _text(course_id, 255),
        "outcome": outcome.outcome,
        "registration": state.registration if state else _text(filed.get("reg"), 255).lower(),
        "email": state.email if state else _text(filed.get("em"), 255),
        "organizationId": outcome.organization.id if outcome.organization else "",
        "params": {name: _text(params[name]) for name in PARAMETERS if name in params},
        "problems": [d.to_json() for d in outcome.problems],
        "warnings": list(outcome.warnings),
        "diagnostics": [d.to_json() for d in outcome.diagnostics],
        "fixedUrl": outcome.fixed_url,
    }
    if location is not None:
        entry.update(
            hash=location.hash[:MAX_LOCATION],
            search=location.search[:MAX_LOCATION],
            referrer=location.referrer[:MAX_LOCATION],
        )
        if location.url is not None:
            entry["url"] = location.url[:MAX_LOCATION]
    return entry
