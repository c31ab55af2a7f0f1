"""Baseline for the benchmarks: a bare aiohttp app answering a small JSON object.

    python benchmarks/_hello.py PORT

Started by `startup.py`; on its own (as `make bench` runs every script) it says so.
"""

import sys

from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


if len(sys.argv) < 2:
    print("_hello.py is a baseline server that benchmarks start: python _hello.py PORT")
    raise SystemExit(0)
app = web.Application()
app.router.add_get("/", hello)
app.router.add_get("/_sim/health", hello)
app.router.add_post("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
