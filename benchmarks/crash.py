"""Crash safety, probed from outside: SIGKILL `media77-sim serve` while learners write.

Each run starts `media77-sim serve` on a fresh SQLite file with its webhook
subscribed to a local receiver (`simulator.receiver.Receiver`, plain HTTP), lets
`--writers` concurrent learners launch (`POST /_sim/registrations`) and progress
(`POST /_sim/registrations/{reg}/progress`) over HTTP, kills the server with
SIGKILL at `--kills` random points, restarts it on the same file each time, lets
the writers go on, then drains the webhook and checks:

- every acknowledged write is there: each answered launch's registration exists
  with its learner, each answered progress call's value (or more) is the
  registration's progress (read back through the Activity Progress API);
- transaction ids are unique and increasing: one record per id wherever it is
  seen (answers, progress API, webhook bundles, missed ledger), each
  registration's progress rises with its ids, and a write sent after another
  write was answered got a larger id (across restarts too);
- no silent webhook loss: every transaction (ids count 1, 2, 3, ... on a fresh
  file) was delivered to the receiver or is on the missed ledger
  (`GET /_sim/missed`) with a reason.

Writes interrupted by the kill are unacknowledged: the learner's LMS launches
the same `reg` again after the restart (201 if it never landed, 200 if it did)
and sends higher progress values afterwards, as a real integration would.
Duplicate webhook deliveries are allowed by the vendor's contract and counted.

    .venv/bin/python benchmarks/crash.py [--runs 20] [--writers 16] [--kills 2] [--seed 1]

Exits 1 on any loss, silent loss, id problem or 5xx answer.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from _harness import COURSES, DEFAULT_TOKEN, Served, launch_body

from simulator.receiver import Receiver

TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


@dataclass
class Write:
    """One answered write: what was asked, when, and the transaction it answered with."""

    kind: str  # "launch" or "progress"
    reg: str
    value: int
    sent: float
    answered: float
    transaction_id: int
    created: bool  # the answer is a new transaction (201 launch, forward progress)


@dataclass
class RunResult:
    run: int = 0
    kills: int = 0
    acknowledged: int = 0
    acked_launches: int = 0
    acked_progress: int = 0
    unacknowledged: int = 0
    transactions: int = 0
    delivered: int = 0
    missed: int = 0
    duplicates: int = 0
    losses: int = 0
    silent_losses: int = 0
    id_problems: int = 0
    server_errors: int = 0
    client_errors: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.losses or self.silent_losses or self.id_problems or self.server_errors)

    def line(self) -> str:
        return (
            f"run {self.run}: {self.kills} kills, acknowledged {self.acknowledged} "
            f"({self.acked_launches} launches, {self.acked_progress} progress), "
            f"unacknowledged {self.unacknowledged}, transactions {self.transactions} "
            f"(delivered {self.delivered}, missed {self.missed}), duplicates {self.duplicates}, "
            f"losses {self.losses}, silent losses {self.silent_losses}, "
            f"id problems {self.id_problems}, 5xx {self.server_errors}, "
            f"other 4xx {self.client_errors}, {self.seconds:.1f} s"
            + ("" if self.ok else "  FAILED")
        )


class Target:
    """Where the server is now; writers wait here while it is down."""

    def __init__(self) -> None:
        self.url = ""
        self.generation = 0
        self.up = asyncio.Event()

    def set_up(self, url: str) -> None:
        self.url = url
        self.generation += 1
        self.up.set()

    def set_down(self) -> None:
        self.up.clear()


@dataclass
class Learner:
    reg: str
    email: str
    course: str
    launched: bool = False  # an answered launch (201 or 200)
    acked_progress: int = 0
    tried_progress: int = 0  # highest value ever sent, answered or not


class Books:
    """What the writers were told, shared by all writers of one run."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self.learners: dict[str, Learner] = {}
        self.unacknowledged = 0
        self.server_errors: list[str] = []
        self.client_errors: list[str] = []


async def writer(
    index: int, run: int, rng: random.Random, target: Target, books: Books, stop: asyncio.Event
) -> None:
    mine: list[Learner] = []
    counter = 0
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1), timeout=timeout
    ) as session:
        while not stop.is_set():
            await target.up.wait()
            generation, url = target.generation, target.url
            active = [learner for learner in mine if learner.acked_progress < 100]
            relaunch = [learner for learner in active if not learner.launched]
            if relaunch:
                learner, kind = relaunch[0], "launch"
            elif active and rng.random() < 0.75:
                learner, kind = rng.choice(active), "progress"
            else:
                counter += 1
                learner = Learner(
                    reg=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    email=f"r{run}w{index}n{counter}@example.com",
                    course=rng.choice(COURSES),
                )
                mine.append(learner)
                books.learners[learner.reg] = learner
                kind = "launch"
            forward = False
            if kind == "launch":
                path = "/_sim/registrations"
                body: dict[str, Any] = launch_body(learner.reg, learner.email, learner.course)
                value = 0
            else:
                value = min(100, learner.tried_progress + rng.randint(1, 30))
                # Only a value above every earlier one is sure to be a new transaction:
                # 100 again after an unanswered 100 may answer with that earlier one.
                forward = value > learner.tried_progress
                learner.tried_progress = value
                path = f"/_sim/registrations/{learner.reg}/progress"
                body = {"progress": value}
            sent = time.monotonic()
            try:
                async with session.post(url + path, json=body) as answer:
                    status = answer.status
                    text = await answer.text()
            except TRANSPORT_ERRORS as error:
                books.unacknowledged += 1
                if target.generation == generation and target.up.is_set():
                    books.client_errors.append(f"{kind} {learner.reg}: {error!r} while up")
                    await asyncio.sleep(0.05)
                continue
            answered = time.monotonic()
            try:
                data = json.loads(text)
            except ValueError:
                data = {"body": text[:200]}
            if status >= 500:
                books.server_errors.append(f"{kind} {learner.reg}: {status} {data}")
                continue
            if status not in (200, 201):
                books.client_errors.append(f"{kind} {learner.reg}: {status} {data}")
                learner.acked_progress = 100  # stop using this learner
                continue
            created = forward if kind == "progress" else status == 201
            if kind == "launch":
                learner.launched = True
            else:
                learner.acked_progress = max(learner.acked_progress, value)
                if data.get("progress") != value:
                    books.client_errors.append(
                        f"progress {learner.reg}: sent {value}, answer says {data.get('progress')}"
                    )
            books.writes.append(
                Write(kind, learner.reg, value, sent, answered, int(data["transactionId"]), created)
            )


async def progress_records(session: aiohttp.ClientSession, url: str) -> list[dict[str, Any]]:
    """Every record of the default organization through the Activity Progress API."""
    records: list[dict[str, Any]] = []
    while True:
        body = {"token": DEFAULT_TOKEN, "start": len(records), "number": 1000}
        async with session.post(url + "/api/reports/progress", json=body) as answer:
            answer.raise_for_status()
            page = await answer.json()
        records.extend(page)
        if len(page) < 1000:
            return records


async def get_json(session: aiohttp.ClientSession, url: str) -> Any:
    async with session.get(url) as answer:
        answer.raise_for_status()
        return await answer.json()


def unaccounted(
    top: int, received: list[dict[str, Any]], missed: list[dict[str, Any]]
) -> list[int]:
    delivered = {r["transactionId"] for r in received}
    on_ledger = {m["transactionId"] for m in missed if m.get("reason")}
    return [i for i in range(1, top + 1) if i not in delivered and i not in on_ledger]


async def drain_and_check(
    url: str, receiver: Receiver, books: Books, result: RunResult, drain_timeout: float
) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        deadline = time.monotonic() + drain_timeout
        while True:
            records = await progress_records(session, url)
            missed = await get_json(session, url + "/_sim/missed")
            hooks = await get_json(session, url + "/_sim/webhooks")
            received = receiver.records()
            top = max(
                [r["transactionId"] for r in records]
                + [r["transactionId"] for r in received]
                + [m["transactionId"] for m in missed]
                + [w.transaction_id for w in books.writes]
                + [0]
            )
            left = unaccounted(top, received, missed)
            pending = sum(h.get("pendingBundles", 0) for h in hooks)
            if (not left and not pending) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
    check(books, records, received, missed, top, left, result)


def check(
    books: Books,
    records: list[dict[str, Any]],
    received: list[dict[str, Any]],
    missed: list[dict[str, Any]],
    top: int,
    left: list[int],
    result: RunResult,
) -> None:
    problems = result.problems
    current = {r["registration"]: r for r in records}
    # 1. Every acknowledged write is there.
    for write in books.writes:
        record = current.get(write.reg)
        if record is None:
            result.losses += 1
            problems.append(f"lost {write.kind} {write.reg}: no such registration after restart")
        elif write.kind == "launch" and record["email"] != books.learners[write.reg].email:
            result.losses += 1
            problems.append(f"lost launch {write.reg}: email {record['email']!r}")
        elif write.kind == "progress" and record["progress"] < write.value:
            result.losses += 1
            problems.append(
                f"lost progress {write.reg}: answered {write.value}, now {record['progress']}"
            )
    # 2. Transaction ids unique and increasing.
    seen: dict[int, tuple[str, int]] = {}

    def claim(transaction_id: int, reg: str, progress: int, where: str) -> None:
        known = seen.setdefault(transaction_id, (reg, progress))
        if known != (reg, progress):
            result.id_problems += 1
            problems.append(
                f"transaction {transaction_id} is {known} and {(reg, progress)} ({where})"
            )

    for record in records:
        claim(record["transactionId"], record["registration"], record["progress"], "progress API")
    for record in received:
        claim(record["transactionId"], record["registration"], record["progress"], "webhook")
    for write in books.writes:
        if write.created:
            claim(write.transaction_id, write.reg, write.value, f"answer to {write.kind}")
    for entry in missed:
        known = seen.get(entry["transactionId"])
        if known and known[0] != entry["registration"]:
            result.id_problems += 1
            problems.append(f"missed {entry['transactionId']} names {entry['registration']}")
    created = [w for w in books.writes if w.created]
    repeats = [i for i, n in Counter(w.transaction_id for w in created).items() if n > 1]
    for transaction_id in repeats:
        result.id_problems += 1
        problems.append(f"transaction {transaction_id} answered for two writes")
    by_answer = sorted(created, key=lambda w: w.answered)
    highest, j = 0, 0
    for write in sorted(created, key=lambda w: w.sent):
        while j < len(by_answer) and by_answer[j].answered < write.sent:
            highest = max(highest, by_answer[j].transaction_id)
            j += 1
        if write.transaction_id <= highest:
            result.id_problems += 1
            problems.append(
                f"{write.kind} {write.reg} got transaction {write.transaction_id} after "
                f"{highest} was already answered"
            )
    per_reg: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for transaction_id, (reg, progress) in seen.items():
        per_reg[reg].append((transaction_id, progress))
    for reg, steps in per_reg.items():
        values = [p for _, p in sorted(steps)]
        if any(b <= a for a, b in itertools.pairwise(values)):
            result.id_problems += 1
            problems.append(f"{reg}: progress by transaction id {values} does not rise")
    # 3. Every transaction delivered or missed with a reason.
    result.transactions = top
    result.silent_losses = len(left)
    if left:
        problems.append(
            f"neither delivered nor missed: {left[:20]}{' ...' if len(left) > 20 else ''}"
        )
    ids = Counter(r["transactionId"] for r in received)
    result.delivered = len(ids)
    result.duplicates = sum(n - 1 for n in ids.values())
    result.missed = len({m["transactionId"] for m in missed})
    result.acknowledged = len(books.writes)
    result.acked_launches = sum(1 for w in books.writes if w.kind == "launch")
    result.acked_progress = result.acknowledged - result.acked_launches
    result.unacknowledged = books.unacknowledged
    result.server_errors = len(books.server_errors)
    result.client_errors = len(books.client_errors)
    problems.extend(books.server_errors[:5] + books.client_errors[:5])


@dataclass(frozen=True)
class RunPlan:
    """What every run of a benchmark shares: its seed, its load and its kills."""

    seed: int
    writers: int
    kills: int
    up_seconds: tuple[float, float]
    drain_timeout: float
    workdir: Path


async def one_run(run: int, plan: RunPlan) -> RunResult:
    seed, writers, kills = plan.seed, plan.writers, plan.kills
    up_seconds, drain_timeout, workdir = plan.up_seconds, plan.drain_timeout, plan.workdir
    rng = random.Random(f"{seed}-{run}")
    result = RunResult(run=run, kills=kills)
    started = time.monotonic()
    books = Books()
    target = Target()
    stop = asyncio.Event()
    db = workdir / f"run-{run}.db"
    with Receiver() as receiver:
        served = Served(
            [
                "--db", str(db), "--clock", "system", "--daily-limit", "1000000000",
                "--webhook-url", receiver.url, "--allow-insecure-webhooks",
            ],
            workdir / f"run-{run}.log",
        )  # fmt: skip
        try:
            target.set_up(await asyncio.to_thread(served.start))
            tasks = [
                asyncio.create_task(
                    writer(w, run, random.Random(f"{seed}-{run}-{w}"), target, books, stop)
                )
                for w in range(writers)
            ]
            for _ in range(kills):
                await asyncio.sleep(rng.uniform(*up_seconds))
                target.set_down()
                served.kill()  # SIGKILL: no shutdown code runs
                target.set_up(await asyncio.to_thread(served.start))
            await asyncio.sleep(rng.uniform(*up_seconds))
            stop.set()
            await asyncio.gather(*tasks)
            await drain_and_check(target.url, receiver, books, result, drain_timeout)
        finally:
            served.stop()
    result.seconds = time.monotonic() - started
    return result


# What a summary adds up over the runs: each run's own count of the same name.
SUMMED = (
    "kills",
    "acknowledged",
    "unacknowledged",
    "transactions",
    "losses",
    "silent_losses",
    "duplicates",
    "id_problems",
    "server_errors",
)


@dataclass
class Summary:
    runs: int = 0
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUMMED, 0))
    runs_with_duplicates: int = 0
    failed_runs: int = 0

    def add(self, result: RunResult) -> None:
        self.runs += 1
        for name in SUMMED:
            self.totals[name] += getattr(result, name)
        self.runs_with_duplicates += bool(result.duplicates)
        self.failed_runs += not result.ok

    @property
    def ok(self) -> bool:
        return self.failed_runs == 0

    def line(self) -> str:
        counts = {
            "runs": self.runs,
            **self.totals,
            "runs_with_duplicates": self.runs_with_duplicates,
        }
        counts["failed_runs"] = self.failed_runs
        return "summary: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())


async def run_benchmark(
    *,
    runs: int,
    writers: int,
    kills: int = 2,
    seed: int = 1,
    up_seconds: tuple[float, float] = (0.5, 3.0),
    drain_timeout: float = 60.0,
    workdir: Path | None = None,
    out: Callable[[str], None] = print,
) -> Summary:
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="media77-crash-") as tmp:
        plan = RunPlan(seed, writers, kills, up_seconds, drain_timeout, workdir or Path(tmp))
        for run in range(1, runs + 1):
            result = await one_run(run, plan)
            summary.add(result)
            out(result.line())
            for problem in result.problems[:10]:
                out(f"    {problem}")
    out(summary.line())
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs, each on a fresh database")
    parser.add_argument("--writers", type=int, default=16, help="concurrent learners writing")
    parser.add_argument("--kills", type=int, default=2, help="SIGKILLs (and restarts) per run")
    parser.add_argument("--seed", type=int, default=1, help="seeds kill points and writes")
    parser.add_argument("--min-up", type=float, default=0.5, help="shortest time between kills")
    parser.add_argument("--max-up", type=float, default=3.0, help="longest time between kills")
    parser.add_argument("--drain-timeout", type=float, default=60.0, help="seconds to drain")
    parser.add_argument("--keep", type=Path, help="keep databases and server logs here")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    print(
        f"crash: {args.runs} runs, {args.writers} writers, {args.kills} SIGKILLs per run, "
        f"seed {args.seed}",
        flush=True,
    )
    summary = asyncio.run(
        run_benchmark(
            runs=args.runs,
            writers=args.writers,
            kills=args.kills,
            seed=args.seed,
            up_seconds=(args.min_up, args.max_up),
            drain_timeout=args.drain_timeout,
            workdir=args.keep,
            out=lambda line: print(line, flush=True),
        )
    )
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
