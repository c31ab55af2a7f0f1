"""Acknowledged writes survive SIGKILL, and no webhook transaction vanishes silently.

The short form of `benchmarks/crash.py` (same code): two runs, each killing a real
`media77-sim serve` on a real SQLite file once while four learners write over
HTTP, then restarting it and draining its webhook into a real receiver.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import crash  # noqa: E402


async def test_acknowledged_writes_survive_sigkill_and_every_transaction_is_accounted_for(
    tmp_path: Path,
) -> None:
    lines: list[str] = []
    summary = await crash.run_benchmark(
        runs=2,
        writers=4,
        kills=1,
        seed=7,
        up_seconds=(0.3, 1.0),
        drain_timeout=30,
        workdir=tmp_path,
        out=lines.append,
    )
    report = "\n".join(lines)
    assert summary.runs == 2, report
    assert summary.totals["acknowledged"] > 0, report
    assert summary.totals["losses"] == 0, report
    assert summary.totals["silent_losses"] == 0, report
    assert summary.totals["id_problems"] == 0, report
    assert summary.totals["server_errors"] == 0, report


# The checker itself must be able to fail, or the test above proves nothing.


def _books(writes: list[crash.Write]) -> crash.Books:
    books = crash.Books()
    books.writes = writes
    for w in writes:
        books.learners.setdefault(w.reg, crash.Learner(w.reg, f"{w.reg}@example.com", "c"))
    return books


def _record(transaction_id: int, reg: str, progress: int) -> dict[str, Any]:
    return {
        "transactionId": transaction_id,
        "registration": reg,
        "progress": progress,
        "email": f"{reg}@example.com",
    }


def _check(
    writes: list[crash.Write],
    records: list[dict[str, Any]],
    received: list[dict[str, Any]],
    missed: list[dict[str, Any]] | None = None,
) -> crash.RunResult:
    result = crash.RunResult()
    missed = missed or []
    top = max([int(r["transactionId"]) for r in records + received] + [0])
    left = crash.unaccounted(top, received, missed)
    crash.check(_books(writes), records, received, missed, top, left, result)
    return result


LAUNCH_A = crash.Write("launch", "a", 0, 0.0, 0.1, 1, True)
PROGRESS_A = crash.Write("progress", "a", 40, 0.2, 0.3, 2, True)


def test_checker_passes_a_clean_history() -> None:
    result = _check(
        [LAUNCH_A, PROGRESS_A], [_record(2, "a", 40)], [_record(1, "a", 0), _record(2, "a", 40)]
    )
    assert result.ok, result.problems


@pytest.mark.parametrize(
    ("records", "received", "missed", "what"),
    [
        ([_record(1, "a", 0)], [_record(1, "a", 0)], [], "losses"),  # progress 40 gone
        ([], [_record(1, "a", 0)], [], "losses"),  # registration gone
        ([_record(2, "a", 40)], [_record(2, "a", 40)], [], "silent_losses"),  # 1 never sent
        (
            [_record(2, "a", 40)],
            [_record(2, "a", 40)],
            [{"transactionId": 1, "registration": "a", "reason": ""}],
            "silent_losses",  # on the ledger without a reason
        ),
        ([_record(2, "a", 40)], [_record(1, "a", 0), _record(2, "b", 10)], [], "id_problems"),
    ],
)
def test_checker_flags_each_kind_of_failure(
    records: list[dict[str, Any]],
    received: list[dict[str, Any]],
    missed: list[dict[str, Any]],
    what: str,
) -> None:
    result = _check([LAUNCH_A, PROGRESS_A], records, received, missed)
    assert getattr(result, what) > 0, result.problems
    assert not result.ok


def test_checker_flags_an_id_handed_out_after_a_larger_one_was_answered() -> None:
    late = crash.Write("launch", "b", 0, 0.5, 0.6, 2, True)  # sent after 2 was answered
    result = _check(
        [LAUNCH_A, PROGRESS_A, late],
        [_record(2, "a", 40), _record(2, "b", 0)],
        [_record(1, "a", 0), _record(2, "a", 40)],
    )
    assert result.id_problems > 0
