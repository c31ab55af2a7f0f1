"""The audit job: it recovers what the webhook dropped, within the API's daily quota."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from simulator import SimulatorClient

from lms.audit import ProgressApi, next_utc_midnight, run_audit
from lms.launch import LaunchSettings
from lms.store import Store


def start(sim: SimulatorClient, store: Store, settings: LaunchSettings, n: int) -> str:
    """Learner n launches the data-privacy course with the registration our LMS keeps."""
    email = f"learner{n}@example.com"
    reg = store.registration_for(email, "data-privacy")
    sim.launch("data-privacy", reg, email, f"Learner {n}", settings.domain, settings.lms_id)
    return reg


def completed(store: Store, reg: str) -> bool:
    row = store.progress(reg)
    return row is not None and row.completed


def finish(sim: SimulatorClient, reg: str) -> None:
    sim.set_progress(reg, 50)
    sim.complete(reg)


def test_the_audit_recovers_every_completion_the_outage_dropped(
    media77_sim: SimulatorClient,
    store: Store,
    subscribe: Callable[..., dict[str, Any]],
    settings: LaunchSettings,
    api: ProgressApi,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hook = subscribe(retrySchedule=[1, 5, 30])
    before = [start(media77_sim, store, settings, n) for n in range(2)]
    for reg in before:
        finish(media77_sim, reg)
    media77_sim.advance(0.5)

    # Our endpoint is down for two minutes: each bundle is tried 4 times in 36 s, then dropped.
    media77_sim.outage(hook["id"], duration=120, mode="refuse")
    during = []
    for n in range(2, 6):
        reg = start(media77_sim, store, settings, n)
        media77_sim.advance(0.5)
        finish(media77_sim, reg)
        media77_sim.advance(0.5)
        during.append(reg)
    media77_sim.advance(40)
    media77_sim.advance(120)  # past the outage: later events are delivered again
    after = start(media77_sim, store, settings, 6)
    finish(media77_sim, after)
    media77_sim.advance(0.5)

    missed = media77_sim.missed()
    assert {m["registration"] for m in missed} == set(during)
    dropped = [reg for reg in during if not completed(store, reg)]
    assert dropped == during  # the webhook alone lost every completion of the outage
    assert all(completed(store, reg) for reg in [*before, after])

    run = run_audit(api, store, now=media77_sim.now, page_size=3)

    assert run.finished and run.records == 7 and run.calls == 3
    recovered = [reg for reg in dropped if completed(store, reg)]
    for entry in missed:  # every transaction on the ledger is covered by a newer-or-equal row
        row = store.progress(entry["registration"])
        assert row is not None and row.transaction_id >= entry["transactionId"]
        record = media77_sim.registration(entry["registration"])
        assert (row.completion_code, row.source) == (record["completionCode"], "audit")
    assert recovered == dropped
    with capsys.disabled():
        print(
            f"\n[examples/lms] outage: {len(missed)} transactions on the missed ledger, "
            f"{len(dropped)} completions dropped by the webhook, {len(recovered)} recovered "
            f"by the audit ({run.calls} API calls)"
        )
    assert run_audit(api, store, now=media77_sim.now, page_size=3).filled == 0  # idempotent


def test_the_audit_stops_at_the_quota_and_resumes_the_next_day(
    media77_sim: SimulatorClient, store: Store, settings: LaunchSettings, api: ProgressApi
) -> None:
    regs = [start(media77_sim, store, settings, n) for n in range(7)]
    media77_sim.set_quota(limit=2)

    first = run_audit(api, store, now=media77_sim.now, page_size=3)

    assert (first.calls, first.records, first.finished) == (2, 6, False)
    resume_at = first.paused_until
    assert resume_at is not None and resume_at == next_utc_midnight(media77_sim.now())
    assert len(store.all_progress()) == 6
    assert run_audit(api, store, now=media77_sim.now, page_size=3).calls == 0
    assert media77_sim.quota()["used"] == 2  # the paused job spent nothing more

    # Before the job runs again, an early learner finishes, unseen (no webhook here): the
    # record moves to the end of the order and the others move up one place.
    media77_sim.complete(regs[0])
    media77_sim.advance((resume_at - media77_sim.now()).total_seconds())

    second = run_audit(api, store, now=media77_sim.now, page_size=3)

    assert second.finished and second.calls == 2
    assert sorted(store.all_progress()) == sorted(regs)
    row = store.progress(regs[0])
    assert row is not None and row.completed
    assert row.completion_code == media77_sim.registration(regs[0])["completionCode"]
