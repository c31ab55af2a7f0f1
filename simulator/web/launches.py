"""Launches from a whole launch URL: `POST /_sim/launches/open` and `POST /_sim/launches/check`.

What an LMS team has in hand is the URL its system builds; these read it exactly as
the vendor's page would (the same core function as the player page), so a test can
launch, or only ask whether the vendor could read it, without a browser.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from simulator.core.errors import BadRequest
from simulator.core.registration_json import registration_json
from simulator.service.outcome import LaunchOutcome
from simulator.web.errors import invalid_launch, read_json_object
from simulator.web.keys import runtime

MAX_URL_CHARS = 16 * 1024

routes = web.RouteTableDef()


async def _url_and_referrer(request: web.Request) -> tuple[str, str | None]:
    body = await read_json_object(request)
    url, referrer = body.get("url"), body.get("referrer")
    if not isinstance(url, str) or not url:
        raise BadRequest('body must be {"url": "<launch URL>", "referrer"?: "<URL>"}', "url")
    if referrer is not None and not isinstance(referrer, str):
        raise BadRequest("referrer must be a string (the page the learner came from)", "referrer")
    for name, value in (("url", url), ("referrer", referrer or "")):
        if len(value) > MAX_URL_CHARS:
            raise BadRequest(f"{name} is over {MAX_URL_CHARS} characters", name)
    return url, referrer


def rejected(outcome: LaunchOutcome, **extra: Any) -> BadRequest:
    """The 400 of a launch the vendor could not read (or a reused `reg`)."""
    return invalid_launch(
        outcome.problems,
        outcome.warnings,
        diagnostics=[d.to_json() for d in outcome.diagnostics],
        fixedUrl=outcome.fixed_url,
        **extra,
    )


def registration_answer(outcome: LaunchOutcome) -> web.Response:
    """The registration as `POST /_sim/registrations` answers it: 201 new, 200 resumed."""
    assert outcome.registration is not None
    text = registration_json(
        outcome.registration, outcome.warnings, [d.to_json() for d in outcome.diagnostics]
    )
    return web.Response(
        text=text, status=201 if outcome.created else 200, content_type="application/json"
    )


@routes.post("/_sim/launches/open")
async def open_url(request: web.Request) -> web.Response:
    url, referrer = await _url_and_referrer(request)
    outcome = runtime(request).player.open_url(url, referrer)
    if outcome.registration is None:
        raise rejected(outcome, launchId=outcome.launch_id)
    return registration_answer(outcome)


@routes.post("/_sim/launches/check")
async def check_url(request: web.Request) -> web.Response:
    url, referrer = await _url_and_referrer(request)
    reading, outcome = runtime(request).player.check_url(url, referrer)
    shape = {"courseId": reading.course_id, "params": dict(reading.params)}
    if outcome.problems:
        raise rejected(outcome, ok=False, **shape)
    return web.json_response(
        {
            "ok": True,
            **shape,
            "problems": [],
            "warnings": list(outcome.warnings),
            "diagnostics": [d.to_json() for d in outcome.diagnostics],
            "fixedUrl": outcome.fixed_url,
        }
    )
