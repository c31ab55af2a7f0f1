"""`media77-sim learners`: the plan (pure) and the command against a real server."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.core.learner_plan import plan, send_offset
from simulator.fixtures import load
from tests.processes import cli, served

CATALOG = load().activities
NAMES = ["Ada Lovelace", "Grace Hopper", "Émilie du Châtelet"]


@settings(max_examples=60)
@given(st.integers(min_value=1, max_value=60), st.integers(min_value=0, max_value=10**6))
def test_plans_are_reproducible_and_only_move_forward(count: int, seed: int) -> None:
    plans = plan(count, seed=seed, activities=CATALOG, names=NAMES)
    assert plans == plan(count, seed=seed, activities=CATALOG, names=NAMES)
    assert len({p.reg for p in plans}) == count
    kinds = {a.id: a.kind for a in CATALOG}
    for learner in plans:
        assert kinds[learner.course_id] != "curriculum"
        assert all(0 < a < b <= 100 for a, b in zip(learner.steps, learner.steps[1:], strict=False))
        assert 100 not in learner.steps[:-1]


@given(st.floats(min_value=0.1, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_pacing_spreads_requests_evenly(rate: float, index: int) -> None:
    assert send_offset(index + 1, rate) > send_offset(index, rate)
    assert abs(send_offset(index, rate) * rate - index) < 1e-6 * max(1, index)


def test_learners_command_drives_a_running_simulator(tmp_path: Path) -> None:
    with served("--db", str(tmp_path / "sim.db")) as (client, _):
        result = cli("learners", "--url", client.url, "--count", "25", "--rate", "0", "--seed", "3")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "25 learners" in result.stdout and "0 errors" in result.stdout
        assert "25/25 100%" in result.stderr
        listed = client.request("GET", "/_sim/registrations", query={"limit": 100})
        assert listed.headers["X-Total-Count"] == "25"
        assert any(r["progress"] == 100 for r in listed.body)


def test_learners_command_explains_an_unreachable_simulator() -> None:
    result = cli("learners", "--url", "http://127.0.0.1:9", "--count", "1")
    assert result.returncode == 2
    assert "cannot reach the simulator at http://127.0.0.1:9" in result.stderr
