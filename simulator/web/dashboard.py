"""`GET /_sim/dashboard`: the console a person watches during an outage drill.

The page is static (`static/dashboard.html`, `.js`, `.css`; no CDN, no build step);
everything it shows comes from `GET /_sim/dashboard/state` once, then live from
`GET /_sim/events` starting at that snapshot's `lastEventId`. Both are behind the
admin guard like the rest of `/_sim/`: when `MEDIA77_SIM_ADMIN_TOKEN` is set, the
page takes the token once (`?token=` or a prompt), keeps it in sessionStorage and
sends it as `Authorization: Bearer` on every request, the event stream included
(read with `fetch`, since `EventSource` cannot send headers).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from simulator.service.dashboard import (
    RECENT_ATTEMPTS,
    RECENT_MISSED,
    clock_state,
    quota_rows,
    registration_counts,
)
from simulator.web import events
from simulator.web.keys import runtime
from simulator.web.player import PAGE_HEADERS

PAGE = Path(__file__).parent / "static" / "dashboard.html"


async def dashboard(_request: web.Request) -> web.Response:
    html = PAGE.read_text(encoding="utf-8")
    return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)


async def state(request: web.Request) -> web.Response:
    """The snapshot the page starts from: counts, quotas, subscriptions, recent attempts."""
    parts = runtime(request)
    sim, engine = parts.simulation, parts.engine
    counts: dict[str, int] = registration_counts(sim, parts.reports)
    for outcome in ("delivered", "failed", "dropped"):
        counts[outcome] = engine.deliveries(limit=1, outcome=outcome)[1]
    missed = engine.missed()
    counts["missed"] = len(missed)
    first, total = engine.deliveries(limit=1)
    after = max(0, first[0]["id"] - 1 + total - RECENT_ATTEMPTS) if first else 0
    recent, _ = engine.deliveries(limit=RECENT_ATTEMPTS, after=after)
    body = {
        "lastEventId": parts.events.last_id,
        "environment": sim.config.environment,
        "clock": clock_state(sim),
        "counts": counts,
        "quotas": quota_rows(sim, parts.quotas.statuses()),
        "subscriptions": [engine.describe(s) for s in engine.subscriptions()],
        "attempts": recent,
        "missed": missed[-RECENT_MISSED:],
        "outages": parts.events.outage_history(),
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


def setup(app: web.Application) -> None:
    """Add `GET /_sim/dashboard`, its snapshot, and `GET /_sim/events`."""
    app.router.add_get("/_sim/dashboard", dashboard)
    app.router.add_get("/_sim/dashboard/state", state)
    events.setup(app)
