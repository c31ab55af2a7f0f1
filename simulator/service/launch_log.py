"""Entries of the launch log (`GET /_sim/launches`): what one launch did, and why.

Built from a `LaunchOutcome` and what the launch came with (the page's raw URL parts,
or a whole URL); the store keeps them (`store/launches.py`). Every attempt is kept,
valid or not, with the codes of everything found, and the values whole (the wire
records carry only the vendor's 100 characters: the log shows what was sent). Pure:
no I/O, no clock.

A launch writes its entry as a `LogRow`: the columns the log is filtered by, and the
rest as JSON holding only what differs from `DETAIL_DEFAULTS` (a clean launch keeps
just its values: a quarter of the bytes, and of the encoding, of the whole entry;
issue 14). `entry_of` gives back the whole entry, in the same shape and key order;
rows written whole before (their JSON repeats the columns) read the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any, NamedTuple

from msgspec import Struct

from simulator.core.launch_values import PARAMETERS
from simulator.service.outcome import LaunchOutcome

MAX_VALUE = 1024
MAX_LOCATION = 4096

# What an entry holds when its JSON does not say otherwise, in the entry's key order
# (after the columns). Copied for every entry read: the lists are the reader's own.
DETAIL_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("params", {}),
    ("problems", []),
    ("warnings", []),
    ("diagnostics", []),
    ("fixedUrl", None),
)


class PageLocation(Struct, frozen=True):
    """What a launch from a URL came with: the page's raw parts, or the whole URL."""

    hash: str
    search: str
    referrer: str
    url: str | None = None  # `POST /_sim/launches/open` is given the whole URL


class LogRow(NamedTuple):
    """One entry as the store keeps it, in the store's column order (`store/launches.py`)."""

    source: str
    course_id: str
    registration: str
    email: str
    organization_id: str
    outcome: str
    details: str  # JSON: the entry's other keys, those at their default left out


def _text(value: object, limit: int = MAX_VALUE) -> str:
    """A launch value as the log keeps it: text, bounded (the log is for reading)."""
    return ("" if value is None else value if isinstance(value, str) else repr(value))[:limit]


def outcome_name(outcome: LaunchOutcome) -> str:
    return outcome.outcome


def log_row(
    course_id: str,
    params: Mapping[str, object],
    outcome: LaunchOutcome,
    source: str,
    location: PageLocation | None,
    meant: Mapping[str, str] | None = None,
) -> LogRow:
    """The log's row for one launch (the store adds `id` and `at`).

    `meant` are the values the LMS meant by a URL the page could not read: the
    entry is filed under that `reg` and e-mail, so a filter by `reg` finds it.
    """
    state = outcome.registration
    if state is not None:
        registration, email = state.registration, state.email
    else:
        filed = {**meant, **params} if meant else params
        registration = _text(filed.get("reg"), 255).lower()
        email = _text(filed.get("em"), 255)
    values = {name: _text(params[name]) for name in PARAMETERS if name in params}
    if not outcome.diagnostics and outcome.fixed_url is None and location is None:
        details_json = _params_json(values)  # a clean launch: its values alone
    else:
        details_json = json.dumps(_details(values, outcome, location))
    return LogRow(
        source,
        _text(course_id, 255),
        registration,
        email,
        outcome.organization.id if outcome.organization else "",
        outcome.outcome,
        details_json,
    )


def _params_json(values: Mapping[str, str]) -> str:
    """`{"params": values}` as JSON (`{}` with none), written directly: the parameter
    names need no escaping, the values go through `json`'s own."""
    if not values:
        return "{}"
    inner = ", ".join([f'"{name}": {_quoted(value)}' for name, value in values.items()])
    return f'{{"params": {{{inner}}}}}'


def _details(
    values: dict[str, str], outcome: LaunchOutcome, location: PageLocation | None
) -> dict[str, Any]:
    """The entry's keys after the columns, those at their default left out."""
    details: dict[str, Any] = {}
    if values:
        details["params"] = values
    if outcome.diagnostics:
        found = [d.to_json() for d in outcome.diagnostics]
        problems = [d for d in found if d["severity"] == "error"]
        if problems:
            details["problems"] = problems
        warnings = list(outcome.warnings)
        if warnings:
            details["warnings"] = warnings
        details["diagnostics"] = found
    if outcome.fixed_url is not None:
        details["fixedUrl"] = outcome.fixed_url
    if location is not None:
        details["hash"] = location.hash[:MAX_LOCATION]
        details["search"] = location.search[:MAX_LOCATION]
        details["referrer"] = location.referrer[:MAX_LOCATION]
        if location.url is not None:
            details["url"] = location.url[:MAX_LOCATION]
    return details


def entry_of(row: LogRow) -> dict[str, Any]:
    """The log's JSON for one stored row (without `id` and `at`)."""
    entry: dict[str, Any] = {
        "source": row.source,
        "courseId": row.course_id,
        "outcome": row.outcome,
        "registration": row.registration,
        "email": row.email,
        "organizationId": row.organization_id,
    }
    for key, default in DETAIL_DEFAULTS:
        entry[key] = default.copy() if isinstance(default, dict | list) else default
    entry.update(json.loads(row.details))
    return entry


def log_entry(
    course_id: str,
    params: Mapping[str, object],
    outcome: LaunchOutcome,
    source: str,
    location: PageLocation | None,
    meant: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The log's JSON for one launch (without `id` and `at`), as the log lists it."""
    return entry_of(log_row(course_id, params, outcome, source, location, meant))
