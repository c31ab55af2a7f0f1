import itertools
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.core.activities import (
    CatalogError,
    lesson_progress,
    lessons_done,
    parse_catalog,
)
from simulator.fixtures import default_folder

totals = st.integers(min_value=1, max_value=50)


@given(totals, st.data())
def test_lesson_progress_is_monotonic_and_completes_only_at_the_end(total: int, data) -> None:
    values = [lesson_progress(done, total) for done in range(total + 1)]
    assert values[0] == 0 and values[-1] == 100
    assert all(a < b for a, b in itertools.pairwise(values))
    assert all(v < 100 for v in values[:-1])


@given(totals, st.integers(min_value=0, max_value=100))
def test_lessons_done_inverts_lesson_progress(total: int, progress: int) -> None:
    done = lessons_done(progress, total)
    assert lesson_progress(done, total) <= progress
    assert done == total or lesson_progress(done + 1, total) > progress


@given(totals, st.integers(min_value=0, max_value=50))
def test_round_trip_from_lessons(total: int, done: int) -> None:
    done = min(done, total)
    assert lessons_done(lesson_progress(done, total), total) == done


def test_bundled_catalog_meets_the_fixture_requirements() -> None:
    activities = parse_catalog(json.loads((default_folder() / "catalog.json").read_text()))
    courses = [a for a in activities if a.kind == "course"]
    assert len(courses) >= 6
    assert all(3 <= len(c.lessons) <= 8 for c in courses)
    assert sum(a.kind == "event" for a in activities) >= 2
    assert sum(a.kind == "curriculum" for a in activities) >= 1
    assert all(a.staging_url and a.production_url and a.activity_id for a in activities)


def _entry(**overrides):
    entry = {
        "id": "c1",
        "kind": "course",
        "title": "C1",
        "activityId": "https://a/c1",
        "lessons": ["one"],
        "stagingUrl": "https://s/c1/",
        "productionUrl": "https://p/c1/",
    }
    entry.update(overrides)
    return entry


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        ({}, "courses"),
        ({"courses": [_entry(kind="webinar")]}, "kind"),
        ({"courses": [_entry(lessons=[])]}, "at least one lesson"),
        ({"courses": [_entry(), _entry()]}, "twice"),
        ({"courses": [_entry(title="")]}, "title"),
        ({"courses": [_entry(id="cur", kind="curriculum", lessons=[], courses=["nope"])]}, "nope"),
    ],
)
def test_broken_catalogs_name_the_problem(catalog, message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        parse_catalog(catalog)
