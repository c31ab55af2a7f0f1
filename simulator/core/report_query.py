"""Validating an Activity Progress API request into a `ReportQuery`.

Pure: the body (already parsed JSON) goes in, a frozen query or a list of
`(field, message)` problems comes out. The store turns a query into SQL; the
handler turns problems into a 400. Keeping validation here lets hypothesis try
every odd body an integrator could send without a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from msgspec import Struct

from simulator.core.dates import parse_utc, to_wire
from simulator.core.records import WIRE_FIELDS

DEFAULT_NUMBER = 100
MAX_NUMBER = 1000
MAX_START = 2**31 - 1  # the vendor's `int`; also keeps SQLite's OFFSET in range
MAX_SEARCH = 100  # varchar(100)
ORDERS = ("ASC", "DESC")
SORT_FIELDS: tuple[str, ...] = WIRE_FIELDS
DEFAULT_SORT = "transactionId"
# Text fields sort case-insensitively (ASCII, like SQLite's NOCASE); the rest as values.
TEXT_SORT_FIELDS = frozenset(WIRE_FIELDS) - {"transactionId", "progress"}

Problem = tuple[str, str]


class ReportQuery(Struct, frozen=True):
    """One validated request: what to filter, how to sort, which page.

    `start_bound`/`end_bound` are wire-format strings (second precision) already
    rounded so that comparing them with a record's last activity as text gives the
    documented inclusive start and exclusive end.
    """

    token: str
    start: int = 0
    number: int = DEFAULT_NUMBER
    search: str = ""
    completed: bool = False
    start_date: datetime | None = None
    end_date: datetime | None = None
    sort: str = DEFAULT_SORT
    order: str = "ASC"

    @property
    def start_bound(self) -> str | None:
        return _ceil_wire(self.start_date)

    @property
    def end_bound(self) -> str | None:
        return _ceil_wire(self.end_date)

    @property
    def filter_key(self) -> tuple[object, ...]:
        """What decides the total count (sort and page do not)."""
        return (self.search, self.completed, self.start_bound, self.end_bound)


def _ceil_wire(moment: datetime | None) -> str | None:
    """Round up to the whole second, as text comparable with stored second-precision dates.

    A record stamped 14:00:49 is before a bound of 14:00:49.120, so the inclusive
    start must exclude it and the exclusive end must include it: both hold when
    the bound is rounded up to 14:00:50.
    """
    if moment is None:
        return None
    if moment.microsecond:
        try:
            moment = moment.replace(microsecond=0) + timedelta(seconds=1)
        except OverflowError:
            return "9999-12-31T23:59:60"  # past every storable date
    return to_wire(moment)


def _is_int(value: object) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def _integer(
    body: Mapping[str, Any], name: str, default: int, low: int, high: int
) -> int | Problem:
    value = body.get(name)
    if value is None:
        return default
    if not _is_int(value):
        return (name, f"{name} must be a whole number from {low} to {high}")
    number = int(value)
    if not low <= number <= high:
        return (name, f"{name} must be a whole number from {low} to {high}, not {number}")
    return number


def _date(body: Mapping[str, Any], name: str) -> datetime | Problem | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        return (name, f"{name} must be an ISO-8601 UTC date/time like 2020-01-01T00:00:00Z")
    try:
        return parse_utc(value)
    except (ValueError, OverflowError) as error:
        return (name, f"{name}: {error}")


def validate_report_query(body: Mapping[str, Any], token: str) -> ReportQuery | list[Problem]:
    """The query a request body asks for, or every problem with it.

    `token` has been checked by the caller (it decides 401 versus 400). Absent
    and `null` fields take their defaults; unknown fields are ignored, as a
    vendor API that grows new fields would.
    """
    problems: list[Problem] = []

    start = _integer(body, "start", 0, 0, MAX_START)
    number = _integer(body, "number", DEFAULT_NUMBER, 1, MAX_NUMBER)
    for value in (start, number):
        if isinstance(value, tuple):
            problems.append(value)

    search = body.get("search")
    if search is None:
        search = ""
    elif not isinstance(search, str):
        problems.append(("search", "search must be text"))
        search = ""
    elif len(search) > MAX_SEARCH:
        problems.append(("search", f"search is at most {MAX_SEARCH} characters, not {len(search)}"))

    completed = body.get("completed")
    if completed is None:
        completed = False
    elif not isinstance(completed, bool):
        problems.append(("completed", "completed must be true or false"))
        completed = False

    start_date = _date(body, "startDate")
    end_date = _date(body, "endDate")
    for bound in (start_date, end_date):
        if isinstance(bound, tuple):
            problems.append(bound)
    if (
        isinstance(start_date, datetime)
        and isinstance(end_date, datetime)
        and end_date < start_date
    ):
        problems.append(("endDate", "endDate must not be before startDate"))

    sort = body.get("sort")
    if sort is None or sort == "":
        sort = DEFAULT_SORT
    elif not isinstance(sort, str) or sort not in SORT_FIELDS:
        problems.append(
            ("sort", f"sort must be one of the record's fields: {', '.join(SORT_FIELDS)}")
        )
        sort = DEFAULT_SORT

    order = body.get("order")
    if order is None or order == "":
        order = "ASC"
    elif order not in ORDERS:
        problems.append(("order", "order must be ASC or DESC"))
        order = "ASC"

    if problems:
        return problems
    assert isinstance(start, int) and isinstance(number, int)
    assert not isinstance(start_date, tuple) and not isinstance(end_date, tuple)
    return ReportQuery(
        token=token,
        start=start,
        number=number,
        search=search,
        completed=completed,
        start_date=start_date,
        end_date=end_date,
        sort=sort,
        order=order,
    )


# -- the reference semantics (for tests, and the documentation of what SQL must do) ---------


def _ascii_fold(text: str) -> str:
    return text.translate(_ASCII_LOWER)


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def sort_key(sort: str, record: Mapping[str, Any]) -> tuple[object, int]:
    """Where a wire record goes in a `sort` ordering: the field, then `transactionId`."""
    return (sort_value(sort, record[sort]), int(record["transactionId"]))


def sort_value(sort: str, value: Any) -> Any:
    """A field's value as it sorts: text folded like SQLite's NOCASE (ASCII only)."""
    return _ascii_fold(str(value)) if sort in TEXT_SORT_FIELDS else value


def search_text(record: Mapping[str, Any]) -> tuple[str, ...]:
    """Where `search` looks: full name, email, activityTitle, registration, completionCode."""
    return (
        f"{record['firstName']} {record['lastName']}",
        record["email"],
        record["activityTitle"],
        record["registration"],
        record["completionCode"],
    )


def matches_search(search: str, record: Mapping[str, Any]) -> bool:
    """Case-insensitive substring of any searchable text (empty search matches all)."""
    if not search:
        return True
    needle = search.lower()
    return any(needle in text.lower() for text in search_text(record))
