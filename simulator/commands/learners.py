"""`media77-sim learners`: simulated learners taking courses against a running simulator.

For demos and load: each learner launches (through the control API, with the
player's validation) and reports progress lesson by lesson; a progress bar counts
finished learners. Pacing runs on the injected clock (the system clock here).
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

import aiohttp

from simulator.clock import Clock, SystemClock
from simulator.commands._common import UsageError, command_parser
from simulator.core.activities import parse_catalog
from simulator.core.learner_plan import LearnerPlan, plan, send_offset
from simulator.progressbar import ProgressBar


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "learners",
        "simulated learners taking courses on a running simulator",
        "Launch --count learners on the simulator at --url and move them through "
        "their courses (lesson by lesson; events: register, attend), at most --rate requests per "
        "second. Each change is a transaction: watch them arrive on your webhook.",
    )
    parser.add_argument(
        "--url",
        default="http://127.0.0.1:7777",
        help="the simulator's base URL (default: %(default)s)",
    )
    parser.add_argument("--count", type=int, required=True, help="how many learners")
    parser.add_argument(
        "--rate",
        type=float,
        default=50.0,
        help="requests per second, 0: no limit (default: %(default)s)",
    )
    parser.add_argument("--course", default=None, help="only this course id (default: any)")
    parser.add_argument(
        "--seed",
        type=int,
        default=77,
        help="random seed for names and courses (default: %(default)s)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        help="requests in flight at most (default: %(default)s)",
    )
    parser.add_argument(
        "--completion-rate",
        type=float,
        default=0.6,
        help="share of learners who finish (default: %(default)s)",
    )
    parser.add_argument(
        "--unicode-emails",
        action="store_true",
        help="keep the names' accented letters in e-mail addresses (default: plain ASCII, "
        "valentine.noel... for Valentine Noël)",
    )
    parser.add_argument(
        "--admin-token", default="", help="bearer token when the control API needs one"
    )
    parser.set_defaults(run=run)


def learner_names(count: int, seed: int) -> list[str]:
    from faker import Faker  # slow to import; only this command needs it

    fake = Faker(["en_US", "en_GB", "de_DE", "fr_FR", "es_ES"])
    fake.seed_instance(seed)
    return [f"{fake.first_name()} {fake.last_name()}" for _ in range(min(count, 5000))]


class Runner:
    def __init__(self, session: aiohttp.ClientSession, url: str, clock: Clock, rate: float) -> None:
        self.session = session
        self.url = url.rstrip("/")
        self.clock = clock
        self.rate = rate
        self.sent = 0
        self.errors: list[str] = []
        self.started = clock.now()

    async def call(self, path: str, body: dict[str, Any]) -> dict[str, Any] | None:
        index = self.sent
        self.sent += 1
        await self.clock.sleep(
            send_offset(index, self.rate) - (self.clock.now() - self.started).total_seconds()
        )
        async with self.session.post(self.url + path, json=body) as answer:
            data = await answer.json(content_type=None)
            if answer.status >= 400:
                message = data.get("message") if isinstance(data, dict) else data
                self.errors.append(f"{path}: {answer.status} {message}")
                return None
            answered: dict[str, Any] = data
            return answered

    async def take(self, learner: LearnerPlan, org: dict[str, Any], env: str) -> None:
        launched = await self.call(
            "/_sim/registrations",
            {
                "courseId": learner.course_id,
                "reg": learner.reg,
                "em": learner.email,
                "fn": learner.name,
                "dom": next(d for d in org["domains"] if not d.startswith("*")),
                "lmsId": org["lmsIds"][env],
            },
        )
        if launched is None:
            return
        for value in learner.steps:
            path = f"/_sim/registrations/{learner.reg}/progress"
            if await self.call(path, {"progress": value}) is None:
                return


async def drive(args: argparse.Namespace, clock: Clock) -> tuple[int, int, list[str]]:
    headers = {"Authorization": f"Bearer {args.admin_token}"} if args.admin_token else {}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(headers=headers, timeout=timeout) as session:
        try:
            async with session.get(args.url.rstrip("/") + "/_sim/health") as answer:
                if answer.status != 200:
                    raise UsageError(f"{args.url} answered {answer.status} to /_sim/health")
                env = (await answer.json())["environment"]
            async with session.get(args.url.rstrip("/") + "/_sim/catalog") as answer:
                catalog = parse_catalog(await answer.json())
            async with session.get(args.url.rstrip("/") + "/_sim/organizations") as answer:
                org = (await answer.json())[0]
        except aiohttp.ClientError as error:
            raise UsageError(f"cannot reach the simulator at {args.url}: {error}") from None
        try:
            plans = plan(
                args.count,
                seed=args.seed,
                activities=catalog,
                names=learner_names(args.count, args.seed),
                course_id=args.course,
                completion_rate=args.completion_rate,
                unicode_emails=args.unicode_emails,
            )
        except ValueError as error:
            raise UsageError(str(error)) from None
        runner = Runner(session, args.url, clock, args.rate)
        bar = ProgressBar(len(plans), "learners", clock=clock)
        queue: asyncio.Queue[LearnerPlan] = asyncio.Queue()
        for learner in plans:
            queue.put_nowait(learner)

        async def worker() -> None:
            while not queue.empty():
                learner = queue.get_nowait()
                try:
                    await runner.take(learner, org, env)
                except aiohttp.ClientError as error:
                    runner.errors.append(f"{learner.reg}: {error}")
                bar.update(1)

        await asyncio.gather(*(worker() for _ in range(max(1, args.concurrency))))
        return len(plans), runner.sent, runner.errors


def run(args: argparse.Namespace) -> int:
    if args.count < 1:
        raise UsageError("--count must be 1 or more")
    if args.rate < 0 or args.concurrency < 1:
        raise UsageError("--rate must be 0 or more and --concurrency 1 or more")
    if not 0 <= args.completion_rate <= 1:
        raise UsageError("--completion-rate must be between 0 and 1")
    learners, requests, errors = asyncio.run(drive(args, SystemClock()))
    print(f"{learners} learners, {requests} requests, {len(errors)} errors")
    for error in errors[:10]:
        print(f"  {error}")
    return 1 if errors else 0
