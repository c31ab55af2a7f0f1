"""`GET /_sim/dashboard`: organizations, registrations and launches, escaped."""

from __future__ import annotations

import uuid

from simulator.pytest_plugin import SimHelper


def test_the_dashboard_shows_tokens_registrations_and_launches(sim: SimHelper) -> None:
    reg = str(uuid.uuid4())
    sim.start_course(reg=reg, fn="Ada <b>Lovelace</b>")
    sim.request("POST", "/_sim/registrations", {"courseId": "workplace-safety", "reg": "nope"})
    page = sim.request("GET", "/_sim/dashboard")
    assert page.status == 200
    assert page.headers["Content-Type"].startswith("text/html")
    html = page.body
    assert "f7e1379c-35ad-45f9-b0fa-6ef011e73938" in html  # the default org's token
    assert "ACME-STG-7701" in html
    assert reg in html
    assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html and "<b>Lovelace" not in html
    launches = html.split('data-testid="dashboard-launches"')[1]
    assert "rejected" in launches and "is not a UUID" in launches
    assert 'data-testid="dashboard-deliveries" hidden' in html


def test_an_empty_dashboard_says_so(sim: SimHelper) -> None:
    html = sim.request("GET", "/_sim/dashboard").body
    assert 'data-testid="dashboard-registrations-empty"' in html
    assert 'data-testid="dashboard-launches-empty"' in html
