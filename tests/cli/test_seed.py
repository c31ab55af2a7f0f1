"""`media77-sim seed`: reproducible learners for the progress API."""

from datetime import timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.core.dates import parse_utc
from simulator.core.records import EventKind
from simulator.fixtures import load
from simulator.seed import generate
from simulator.store import Store
from tests.processes import cli

NOW = parse_utc("2026-06-01T00:00:00Z")
FIXTURES = load()


def steps(count: int, seed: int):
    return list(
        generate(
            count,
            seed=seed,
            now=NOW,
            organization=FIXTURES.organizations[0],
            activities=FIXTURES.activities,
        )
    )


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.integers(min_value=0, max_value=2**32))
def test_same_seed_same_data_within_90_days(count: int, seed: int) -> None:
    first = steps(count, seed)
    assert first == steps(count, seed)
    starts = [s for s in first if s.kind == EventKind.STARTED]
    assert len(starts) == count
    assert len({s.state.registration for s in starts}) == count
    for step in first:
        assert NOW - timedelta(days=90) <= step.state.date_started <= NOW
        assert step.state.last_activity_at <= NOW


def test_seed_command_fills_the_database_with_a_progress_bar(tmp_path: Path) -> None:
    db = tmp_path / "seeded.db"
    result = cli(
        "seed", "--learners", "300", "--seed", "5", "--db", str(db), "--now", "2026-06-01T00:00:00Z"
    )
    assert result.returncode == 0, result.stderr
    assert "seeded 300 learners" in result.stdout
    assert "300/300 100%" in result.stderr
    store = Store.open(db)
    rows, total = store.list_registrations(limit=1000)
    assert total == 300
    progress = {r.progress for r in rows}
    assert 0 in progress and 100 in progress and progress - {0, 100}
    completed = [r for r in rows if r.completed]
    assert all(r.completion_code and r.date_completed for r in completed)
    store.close()
