"""How fast the local receiver takes bundles, against a bare aiohttp handler.

The webhook benchmark's target (>= 5,000 events/s delivered to a local receiver)
is only meaningful if the receiver is not the bottleneck. This measures bundles/s
and records/s a `Receiver` absorbs (parse, decide, record) over HTTP and HTTPS,
next to a handler that only reads the body, in the same run. Traffic: 127.0.0.1
only, a fixed number of requests.

    .venv/bin/python benchmarks/receiver.py [--requests 2000] [--records 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import time

import aiohttp
from aiohttp import web

from simulator.core.records import WIRE_FIELDS
from simulator.receiver import Receiver

# A record of the vendor's twelve fields, typical lengths; its transaction id varies per record.
RECORD = {
    **dict.fromkeys(WIRE_FIELDS, ""),
    "firstName": "Ada",
    "lastName": "Lovelace",
    "email": "ada.lovelace@example.com",
    "activityId": "https://courses.example.com/workplace-safety",
    "activityTitle": "Workplace Safety",
    "registration": "3f2a6c1e-0d3b-4c8e-9a51-2b7d9e0c4f11",
    "dateStarted": "2026-01-05T09:00:00",
    "progress": 50,
}


async def drive(url: str, body: bytes, requests: int, concurrency: int, ca: str | None) -> float:
    """Seconds to POST `requests` bundles with `concurrency` connections; all must be 200."""
    context = ssl.create_default_context(cafile=ca) if ca else None
    connector = aiohttp.TCPConnector(limit=concurrency)
    headers = {"Content-Type": "application/json"}
    remaining = iter(range(requests))

    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for _ in remaining:
                async with session.post(
                    url, data=body, headers=headers, ssl=context or True
                ) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"answer {response.status}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - start


async def bare(body: bytes, requests: int, concurrency: int) -> float:
    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"received": True})

    app = web.Application(client_max_size=64 * 1024 * 1024)
    app.router.add_post("/webhook", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        return await drive(f"http://127.0.0.1:{port}/webhook", body, requests, concurrency, None)
    finally:
        await runner.cleanup()


async def receiver(body: bytes, requests: int, concurrency: int, tls: bool) -> float:
    async with Receiver(tls=tls) as endpoint:
        seconds = await drive(endpoint.url, body, requests, concurrency, endpoint.ca_path)
        assert len(endpoint.accepted) == requests
        return seconds


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--records", type=int, default=100, help="records per bundle")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    records = [{**RECORD, "transactionId": i + 1} for i in range(args.records)]
    body = json.dumps({"started": [], "progressed": records, "completions": []}).encode()
    print(
        f"{args.requests} bundles of {args.records} records ({len(body)} bytes), "
        f"{args.concurrency} connections, 127.0.0.1"
    )
    base = await bare(body, args.requests, args.concurrency)
    rows = [
        ("bare aiohttp handler (baseline)", base),
        ("Receiver, HTTP", await receiver(body, args.requests, args.concurrency, tls=False)),
        ("Receiver, HTTPS", await receiver(body, args.requests, args.concurrency, tls=True)),
    ]
    for name, seconds in rows:
        per_s = args.requests / seconds
        print(
            f"  {name:<32} {per_s:8.0f} bundles/s  {per_s * args.records:10.0f} records/s"
            f"  x{base / seconds:4.2f} of baseline"
        )


if __name__ == "__main__":
    asyncio.run(main())
