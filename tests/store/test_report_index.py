"""The in-memory report index answers exactly what plain SQL ORDER BY/LIMIT/OFFSET answers.

Random registrations (names that tie, differ only in case, or are not ASCII), two
organizations, progress and completions written after the index was built (so
the catch-up of changed rows is exercised), and random sorts, orders,
filters and starts, compared page by page with a reference query that has no
index, no cache and no cleverness.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from simulator.core.progress import Registration, Step
from simulator.core.records import WIRE_FIELDS, EventKind
from simulator.core.report_query import ReportQuery, matches_search
from simulator.store import Store
from simulator.store.reports import ReportStore
from tests.strategies import a_registration

ORGS = ("o1", "o2")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _column(field: str) -> str:
    """The reference order of a field: numbers as numbers, text ignoring ASCII case."""
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", field).lower()
    return name if field in ("transactionId", "progress") else f"{name} COLLATE NOCASE"


COLUMNS = {field: _column(field) for field in WIRE_FIELDS}
RECORD = (
    "json_object('transactionId', transaction_id, 'firstName', first_name, 'lastName',"
    " last_name, 'email', email, 'memberIdentifier', CASE WHEN ? THEN member_identifier"
    " ELSE '' END, 'activityId', activity_id, 'activityTitle', activity_title,"
    " 'registration', registration, 'dateStarted', date_started, 'progress', progress,"
    " 'dateCompleted', date_completed, 'completionCode', completion_code)"
)

texts = st.sampled_from(["a", "A", "ab", "aB", "b", "Zoë", "zoe", "É", "", "a b", "_%"])
registrations = st.builds(
    lambda n, org, first, last, member, title, minutes: Registration(
        registration=f"reg-{n:04d}",
        organization_id=org,
        course_id="c1",
        activity_id=f"act-{title}",
        activity_title=f"Title {title}",
        email=f"{first or 'x'}@{last or 'y'}.test",
        first_name=first,
        last_name=last,
        member_identifier=member,
        progress=0,
        date_started=T0 + timedelta(minutes=minutes),
        last_activity_at=T0 + timedelta(minutes=minutes),
    ),
    st.integers(0, 9999),
    st.sampled_from(ORGS),
    texts,
    texts,
    st.sampled_from(["", "M1", "m1", "M2"]),
    texts,
    st.integers(0, 600),
)
# (which registration, new progress) applied after the first queries
advances = st.lists(st.tuples(st.integers(0, 99), st.sampled_from([30, 60, 100])), max_size=25)


def _bounded(query: ReportQuery, bounds: tuple[datetime | None, datetime | None]) -> ReportQuery:
    return replace(query, start_date=bounds[0], end_date=bounds[1])


queries = st.tuples(
    st.builds(
        _bounded,
        st.builds(
            ReportQuery,
            token=st.just("t"),
            start=st.integers(0, 45),
            number=st.integers(1, 12),
            sort=st.sampled_from(WIRE_FIELDS),
            order=st.sampled_from(["ASC", "DESC"]),
            completed=st.booleans(),
            search=st.sampled_from(
                ["", "", "", "a", "ab", "zoe", "test", "Zoë", "ë@a.t", "B@A", "itle a", "@Y.T"]
            ),
        ),
        st.sampled_from(
            [(None, None)] * 4
            + [(T0 + timedelta(minutes=200), None), (None, T0 + timedelta(hours=7))]
        ),
    ),
    st.booleans(),  # member ids shown (the organization verifies its users)
)


def reference(
    store: Store, org: str, query: ReportQuery, member_ids: bool
) -> tuple[int, list[Any]]:
    """Plain SQL: filter, ORDER BY field then transaction_id, LIMIT/OFFSET (search in Python)."""
    where, args = ["organization_id = ?"], [org]
    if query.completed:
        where.append("date_completed != ''")
    if query.start_bound is not None:
        where.append("last_activity_at >= ?")
        args.append(query.start_bound)
    if query.end_bound is not None:
        where.append("last_activity_at < ?")
        args.append(query.end_bound)
    order = f"{COLUMNS[query.sort]} {query.order}, transaction_id {query.order}"
    sql = f"SELECT {RECORD}, member_identifier FROM registrations WHERE {' AND '.join(where)}"
    if not query.search:
        (total,) = store.db.execute(
            f"SELECT COUNT(*) FROM registrations WHERE {' AND '.join(where)}", args
        ).fetchone()
        rows = store.db.execute(
            f"{sql} ORDER BY {order} LIMIT ? OFFSET ?",
            [member_ids, *args, query.number, query.start],
        ).fetchall()
        return total, [json.loads(text) for text, _member in rows]
    rows = store.db.execute(f"{sql} ORDER BY {order}", [member_ids, *args]).fetchall()
    found = [json.loads(text) for text, _member in rows]
    found = [r for r in found if matches_search(query.search, r)]
    return len(found), found[query.start : query.start + query.number]


def check(reports: ReportStore, store: Store, asked: list[tuple[ReportQuery, bool]]) -> None:
    for org in ORGS:
        for query, member_ids in asked:
            total, body = reports.page(org, query, member_ids)
            assert (total, json.loads(body)) == reference(store, org, query, member_ids), query


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(registrations, min_size=1, max_size=40, unique_by=lambda r: r.registration),
    advances,
    st.lists(queries, min_size=1, max_size=6),
)
def test_index_pages_equal_plain_sql(
    made: list[Registration],
    later: list[tuple[int, int]],
    asked: list[tuple[ReportQuery, bool]],
) -> None:
    store = Store.open(":memory:")
    try:
        reports = ReportStore(store.db, store.transaction)
        states = {}
        for state in made[: len(made) // 2 + 1]:
            states[state.registration] = store.record(Step(EventKind.STARTED, state))[0]
        check(reports, store, asked)  # builds the orderings
        for state in made[len(made) // 2 + 1 :]:
            states[state.registration] = store.record(Step(EventKind.STARTED, state))[0]
        for n, (which, progress) in enumerate(later):
            state = list(states.values())[which % len(states)]
            if state.completed or progress <= state.progress:
                continue
            moment = state.last_activity_at + timedelta(minutes=n + 1)
            new = replace(state, progress=progress, last_activity_at=moment)
            kind = EventKind.PROGRESSED
            if progress == 100:
                new = replace(new, date_completed=moment, completion_code=f"C{n}-code")
                kind = EventKind.COMPLETIONS
            states[state.registration] = store.record(Step(kind, new))[0]
            if n % 4 == 0:
                reports.changed()  # as the service announces some (not all) writes
        check(reports, store, asked)  # caught up with the rows changed since
    finally:
        store.close()


def test_a_reset_then_the_same_ids_again_is_not_mistaken_for_no_change() -> None:
    """Ids count from 1 after a reset: the index must not keep the old records."""
    store = Store.open(":memory:")
    try:
        reports = ReportStore(store.db, store.transaction)
        first = a_registration(
            registration="reg-1",
            organization_id="o1",
            course_id="c1",
            activity_id="a1",
            activity_title="First",
            email="ann@x.test",
            first_name="Ann",
            last_name="Old",
            date_started=T0,
            last_activity_at=T0,
        )
        store.record(Step(EventKind.STARTED, first))
        assert json.loads(reports.page("o1", ReportQuery(token="t"), False)[1])[0]["lastName"] == (
            "Old"
        )
        store.reset([], [])
        reports.changed()  # what the service's reset hook calls
        store.record(Step(EventKind.STARTED, replace(first, last_name="New")))
        total, body = reports.page("o1", ReportQuery(token="t"), False)
        assert total == 1 and json.loads(body)[0]["lastName"] == "New"
    finally:
        store.close()


def test_a_registration_moved_to_another_organization_leaves_the_first_ones_pages() -> None:
    """A launch refuses a `reg` another organization holds; the store does not, and its
    pages follow the row, to an organization with records in memory or to one without."""
    store = Store.open(":memory:")
    try:
        reports = ReportStore(store.db, store.transaction)
        made = [
            a_registration(registration=f"reg-{n}", organization_id=org, course_id="c1",
                           activity_id="a1", activity_title="T", email=f"l{n}@x.test",
                           first_name="Ann", last_name=f"L{n}", date_started=T0,
                           last_activity_at=T0)
            for n, org in enumerate(["o1", "o1", "o1", "o2"])
        ]  # fmt: skip
        for state in made:
            store.record(Step(EventKind.STARTED, state))
        for org in ("o1", "o2"):
            reports.page(org, ReportQuery(token="t", sort="lastName"), False)  # built
        store.record(Step(EventKind.STARTED, replace(made[0], organization_id="o2")))
        store.record(Step(EventKind.STARTED, replace(made[1], organization_id="o3")))
        reports.changed()
        for org in ("o1", "o2", "o3"):
            for query in (ReportQuery(token="t"), ReportQuery(token="t", sort="lastName")):
                total, body = reports.page(org, query, False)
                assert (total, json.loads(body)) == reference(store, org, query, False), org
        assert [
            r["registration"]
            for r in json.loads(reports.page("o1", ReportQuery(token="t"), False)[1])
        ] == ["reg-2"]
    finally:
        store.close()
