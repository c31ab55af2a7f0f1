"""`media77-sim learners`: the plan (pure) and the command against a real server."""

import io
import os
import pty
import re
import select
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.clock import VirtualClock
from simulator.commands.learners import learner_names
from simulator.core.launch import EMAIL_PATTERN
from simulator.core.learner_plan import plan, send_offset
from simulator.fixtures import load
from simulator.progressbar import ProgressBar
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
        bar_lines = [line for line in result.stderr.splitlines() if line.startswith("learners [")]
        assert "\r" not in result.stderr, "off a terminal the bar is not redrawn in place"
        assert len(bar_lines) <= 11 and bar_lines[-1].endswith("25/25 100%")
        listed = client.request("GET", "/_sim/registrations", query={"limit": 100})
        assert listed.headers["X-Total-Count"] == "25"
        assert any(r["progress"] == 100 for r in listed.body)
        assert all(r["email"].isascii() for r in listed.body)


def test_learners_command_explains_an_unreachable_simulator() -> None:
    result = cli("learners", "--url", "http://127.0.0.1:9", "--count", "1")
    assert result.returncode == 2
    assert "cannot reach the simulator at http://127.0.0.1:9" in result.stderr


def test_learners_help_shows_each_default_once() -> None:
    result = cli("learners", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert not re.search(r"\(default: [^)]*\) \(default:", text), text
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "--course COURSE only this course id (default: any)" in text
    assert "requests in flight at most (default: 8)" in text


# -- e-mail addresses ------------------------------------------------------------------------

ASCII_EMAIL = re.compile(r"[a-z0-9]+(\.[a-z0-9]+)*@example\.com")


@settings(max_examples=200)
@given(
    names=st.lists(st.text(max_size=30), min_size=1, max_size=5),
    count=st.integers(1, 10),
    seed=st.integers(0, 10**6),
)
def test_every_email_is_plain_ascii_and_valid(names: list[str], count: int, seed: int) -> None:
    for learner in plan(count, seed=seed, activities=CATALOG, names=names):
        assert learner.email.isascii()
        assert ASCII_EMAIL.fullmatch(learner.email), learner.email
        assert EMAIL_PATTERN.match(learner.email), "the simulator's launch accepts it"


def test_names_from_every_locale_give_ascii_emails_unless_unicode_is_asked() -> None:
    names = learner_names(400, 27)
    assert any(not name.isascii() for name in names), "the locales do make accented names"
    plain = plan(400, seed=27, activities=CATALOG, names=names)
    assert all(ASCII_EMAIL.fullmatch(p.email) for p in plain)
    kept = plan(400, seed=27, activities=CATALOG, names=names, unicode_emails=True)
    assert any(not p.email.isascii() for p in kept)
    assert all(EMAIL_PATTERN.match(p.email) for p in kept)


def test_accents_are_transliterated_not_dropped() -> None:
    names = ["Valentine Noël", "Jürgen Groß", "Émilie du Châtelet"]
    emails = [p.email for p in plan(3, seed=77, activities=CATALOG, names=names)]
    assert [e.split("@")[0].rsplit(".", 2)[0] for e in emails] == [
        "valentine.noel",
        "jurgen.gross",
        "emilie.du.chatelet",
    ]
    kept = plan(1, seed=77, activities=CATALOG, names=names, unicode_emails=True)[0]
    assert kept.email.startswith("valentine.noël.")


# -- the progress bar ------------------------------------------------------------------------


def bar_lines(total: int, steps: int, **options: object) -> list[str]:
    stream = io.StringIO()
    bar = ProgressBar(total, "learners", stream, width=10, **options)  # type: ignore[arg-type]
    for _ in range(steps):
        bar.update(1)
    assert "\r" not in stream.getvalue()
    return stream.getvalue().splitlines()


def test_off_a_terminal_the_bar_writes_a_line_per_tenth_and_the_last() -> None:
    lines = bar_lines(1000, 1000)
    assert [line.split()[-1] for line in lines] == [f"{p}%" for p in range(10, 101, 10)]
    assert lines[-1] == "learners [##########] 1000/1000 100%"
    assert [line.split()[-2] for line in bar_lines(3, 3)] == ["1/3", "2/3", "3/3"]
    assert bar_lines(1000, 99) == [], "nothing before the first tenth"


async def test_off_a_terminal_a_slow_run_still_writes_a_line_every_interval() -> None:
    clock = VirtualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    stream = io.StringIO()
    bar = ProgressBar(1000, "learners", stream, clock=clock, every=30)
    bar.update(1)
    await clock.advance(29)
    bar.update(1)
    assert stream.getvalue() == ""
    await clock.advance(1)
    bar.update(1)
    await clock.advance(1)
    bar.update(1)
    assert stream.getvalue().splitlines() == [f"learners [{'-' * 30}] 3/1000   0%"]


def test_on_a_terminal_the_bar_is_redrawn_in_place() -> None:
    main, side = pty.openpty()
    try:
        with os.fdopen(side, "w", closefd=False) as terminal:
            assert terminal.isatty()
            bar = ProgressBar(4, "learners", terminal, width=4)
            for _ in range(4):
                bar.update(1)
        shown = ""
        while "\n" not in shown:  # a pty hands back what was written in pieces
            ready, _, _ = select.select([main], [], [], 10)  # a guard, not a timing test
            assert ready, f"the bar's last line never came: {shown!r}"
            shown += os.read(main, 4096).decode()
    finally:
        os.close(main)
        os.close(side)
    assert shown.count("\r") >= 3 and shown.count("\n") == 1
    assert shown.split("\r")[:3] == [
        "learners [#---] 1/4  25%",
        "learners [##--] 2/4  50%",
        "learners [###-] 3/4  75%",
    ]
    assert shown.rstrip("\r\n").endswith("learners [####] 4/4 100%")
