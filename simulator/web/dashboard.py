"""`GET /_sim/dashboard`: one page showing what the simulator holds, for a person at a laptop.

Organizations with their tokens and LMSIDs, the latest registrations, the launch
log with its diagnostics, and webhook deliveries. The first three are rendered on
the server (every value escaped); deliveries come from `/_sim/deliveries`, fetched
by the page's script, so the dashboard works whether or not the webhook area is
present (on a 404 that section stays hidden).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from aiohttp import web

from simulator.service.dashboard import DashboardData, dashboard_data
from simulator.web.keys import runtime
from simulator.web.player import PAGE_HEADERS


def _cell(value: object) -> str:
    return f"<td>{escape(str(value))}</td>"


def _table(testid: str, headers: list[str], rows: Sequence[Sequence[object]], empty: str) -> str:
    if not rows:
        return f'<p class="fine" data-testid="{testid}-empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in rows)
    return (
        f'<table class="catalog" data-testid="{testid}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def _diagnostics(entry: dict[str, Any]) -> str:
    notes = [p.get("message", "") for p in entry.get("problems", [])]
    notes += [
        d.get("message", "") for d in entry.get("diagnostics", []) if d.get("message") not in notes
    ]
    return " | ".join(notes)


def render(data: DashboardData) -> str:
    """The dashboard's HTML; every stored value passes through `escape`."""
    env = data.environment
    orgs = [
        [o.name, o.id, o.token, o.lms_ids.get(env, ""), ", ".join(o.domains)]
        for o in data.organizations
    ]
    total = data.registrations_total
    registrations = [
        [
            s.registration,
            s.course_id,
            f"{s.first_name} {s.last_name}",
            s.email,
            f"{s.progress}%",
            s.completion_code,
            s.transaction_id,
        ]
        for s in data.registrations
    ]
    launches_total = data.launches_total
    launches = [
        [e["at"], e["source"], e["courseId"], e["outcome"], e["registration"], _diagnostics(e)]
        for e in data.launches
    ]
    sections = [
        (
            "Organizations",
            f"{len(orgs)}; the first is the default. Tokens are for the Activity Progress API.",
            _table(
                "dashboard-organizations",
                ["name", "id", "token", f"{env} LMSID", "domains"],
                orgs,
                "no organizations",
            ),
        ),
        (
            "Latest registrations",
            f"{len(registrations)} of {total}, newest change first.",
            _table(
                "dashboard-registrations",
                ["registration", "course", "learner", "email", "progress", "completion code", "tx"],
                registrations,
                "no registrations yet: launch a course from the catalog",
            ),
        ),
        (
            "Launch log",
            f"{len(launches)} of {launches_total}, newest first; all at /_sim/launches.",
            _table(
                "dashboard-launches",
                ["at", "source", "course", "outcome", "registration", "problems and warnings"],
                launches,
                "no launches yet",
            ),
        ),
    ]
    body = "".join(
        f'<section class="panel"><h2>{escape(title)}</h2><p class="fine">{escape(note)}</p>'
        f"{table}</section>"
        for title, note, table in sections
    )
    return f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Dashboard · media77 simulator</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/static/player/player.css">
  <script type="module" src="/static/player/dashboard.js"></script>
</head>
<body>
  <header class="bar">
    <span class="brand">77media <small>simulator · dashboard ({escape(env)},
      clock {escape(data.now.strftime("%Y-%m-%d %H:%M:%S"))} UTC)</small></span>
    <span class="fine"><a href="/">catalog</a> · <a href="/_sim/dashboard">refresh</a> ·
      <a href="/_sim/openapi.json">OpenAPI</a></span>
  </header>
  <main class="wide">
    {body}
    <section class="panel" data-testid="dashboard-deliveries" hidden>
      <h2>Webhook deliveries</h2>
      <p class="fine">Latest attempts from /_sim/deliveries.</p>
      <table class="catalog"><thead><tr><th>at</th><th>webhook</th><th>bundle</th>
        <th>attempt</th><th>outcome</th><th>status</th><th>error</th></tr></thead>
        <tbody></tbody></table>
    </section>
  </main>
</body>
</html>
"""


async def dashboard(request: web.Request) -> web.Response:
    html = render(dashboard_data(runtime(request).simulation))
    return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)


def setup(app: web.Application) -> None:
    """Add `GET /_sim/dashboard`."""
    app.router.add_get("/_sim/dashboard", dashboard)
