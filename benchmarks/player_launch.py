"""Player launch throughput against a bare aiohttp handler measured in the same run.

    .venv/bin/python benchmarks/player_launch.py [requests-per-scenario] [concurrency]

Traffic only to 127.0.0.1, bounded in count (default 400 per scenario) and time
(a 60 s cap per scenario). Prints requests/s, p50/p95 latency and the ratio of
each scenario's throughput to the baseline: a JSON POST answered by a bare
aiohttp handler, i.e. the cost of HTTP and JSON alone.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

import aiohttp
from aiohttp import web

from simulator.server import Simulator

CAP_SECONDS = 60.0


async def bare_app() -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response({"ok": True, "echo": len(body)})

    app = web.Application()
    app.router.add_post("/bare", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}"


def fragment(reg: str, n: int) -> str:
    params = {
        "reg": reg,
        "em": f"learner{n}@example.com",
        "fn": f"Learner {n}",
        "dom": "localhost",
        "lmsId": "ACME-STG-7701",
    }
    return "#/?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())


async def measure(
    name: str, count: int, concurrency: int, call: Callable[[int], Awaitable[int]]
) -> float:
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker() -> None:
        while not queue.empty():
            i = queue.get_nowait()
            start = time.perf_counter()
            status = await call(i)
            latencies.append(time.perf_counter() - start)
            if status >= 500:
                raise RuntimeError(f"{name}: request {i} answered {status}")

    began = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(*(worker() for _ in range(concurrency))), timeout=CAP_SECONDS
    )
    elapsed = time.perf_counter() - began
    rate = count / elapsed
    ordered = sorted(latencies)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    print(
        f"{name:<34} {rate:8.0f} req/s   p50 {statistics.median(ordered) * 1000:6.2f} ms"
        f"   p95 {p95 * 1000:6.2f} ms",
        end="",
    )
    return rate


async def main(count: int, concurrency: int) -> None:
    runner, bare_url = await bare_app()
    with tempfile.TemporaryDirectory() as folder:
        sim = await Simulator(db=str(Path(folder) / "bench.db")).start()
        try:
            regs = [str(uuid.uuid4()) for _ in range(count)]
            launch = f"{sim.url}/courses/workplace-safety/api/launch"
            limits = aiohttp.TCPConnector(limit=concurrency)
            async with aiohttp.ClientSession(connector=limits) as http:

                async def post(url: str, body: object | None = None) -> int:
                    async with http.post(url, json=body) as answer:
                        await answer.read()
                        return answer.status

                async def get(url: str) -> int:
                    async with http.get(url) as answer:
                        await answer.read()
                        return answer.status

                body = {"hash": fragment(regs[0], 0), "search": "", "referrer": ""}
                print(f"{count} requests per scenario, concurrency {concurrency}\n")
                baseline = await measure(
                    "baseline: bare aiohttp JSON POST",
                    count,
                    concurrency,
                    lambda i: post(f"{bare_url}/bare", body),
                )
                print("   ratio 1.00")
                scenarios: list[tuple[str, Callable[[int], Awaitable[int]]]] = [
                    (
                        "page launch, new registration",
                        lambda i: post(
                            launch, {"hash": fragment(regs[i], i), "search": "", "referrer": ""}
                        ),
                    ),
                    (
                        "page launch, resume (same reg)",
                        lambda i: post(
                            launch, {"hash": fragment(regs[i], i), "search": "", "referrer": ""}
                        ),
                    ),
                    (
                        "complete lesson",
                        lambda i: post(
                            f"{sim.url}/courses/workplace-safety/api/registrations/"
                            f"{regs[i]}/complete-lesson"
                        ),
                    ),
                    (
                        "invalid launch (400 + log entry)",
                        lambda i: post(launch, {"hash": "#/?reg=nope", "search": "?em=x"}),
                    ),
                    ("GET player page", lambda i: get(f"{sim.url}/courses/workplace-safety/")),
                ]
                for name, call in scenarios:
                    rate = await measure(name, count, concurrency, call)
                    print(f"   ratio {rate / baseline:4.2f}")
        finally:
            await sim.stop()
            await runner.cleanup()


if __name__ == "__main__":
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    asyncio.run(main(min(requests, 5000), min(workers, 64)))
