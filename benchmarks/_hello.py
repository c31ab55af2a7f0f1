"""Baseline for the benchmarks: a bare aiohttp app answering a small JSON object."""

import sys

from aiohttp import web


async def hello(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


app = web.Application()
app.router.add_get("/", hello)
app.router.add_get("/_sim/health", hello)
app.router.add_post("/", hello)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
