"""Headless Chromium for page tests: Debian's `chromium` from PATH, one browser per session.

Never `playwright install`: the browser is the system's. With no chromium the tests
skip loudly, except under `MEDIA77_REQUIRE_BROWSER=1` (CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 10_000


def _unavailable(reason: str) -> None:
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if os.environ.get("MEDIA77_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{message} (MEDIA77_REQUIRE_BROWSER=1 requires them)", pytrace=False)
    pytest.skip(f"{message}; install Debian's chromium (apt-get install chromium) to run them")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Module scope, not session: sync Playwright runs an event loop in this thread
    until it stops, which would break every asyncio test collected after these."""
    executable = shutil.which("chromium")
    if executable is None:
        _unavailable("no `chromium` on PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as error:  # the browser exists but cannot start here
            _unavailable(f"chromium at {executable} did not start: {error}")
        yield instance
        instance.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    """A fresh browser context per test (no shared storage), failing on page errors."""
    context = browser.new_context(viewport={"width": 1000, "height": 720})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors on the page: {errors}"


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """Make skipped browser tests impossible to miss at the end of a run."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if "BROWSER TESTS NOT RUN" in str(report.longrepr)
    ]
    if skipped:
        reason = str(skipped[0].longrepr[2]) if isinstance(skipped[0].longrepr, tuple) else ""
        terminalreporter.write_sep("!", f"{len(skipped)} browser tests SKIPPED", red=True)
        terminalreporter.write_line(reason.removeprefix("Skipped: "), red=True)
