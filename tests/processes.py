"""Running `media77-sim` as a real process, the way a user or CI does."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from simulator.client import SimulatorClient

URL = re.compile(r"listening on (https?://\S+)")


def cli(
    *args: str, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def _drain(stream: IO[str]) -> None:
    for _line in stream:
        pass


def outside_pytest(project: Path, source: str, passed: int) -> None:
    """Run `source` as a test file of a fresh project with its own pytest, as an
    integrator's suite loads the plugin, and check that `passed` tests passed."""
    (project / "test_outside.py").write_text(textwrap.dedent(source))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{passed} passed" in result.stdout


@contextmanager
def served(
    *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[SimulatorClient, list[str]]]:
    """`media77-sim serve --port 0 ...`; yields a client and the banner lines once it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **(env or {})},
    )
    banner: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            banner.append(line.rstrip("\n"))
            match = URL.search(line)
            if match:
                break
        else:
            raise AssertionError("serve exited before listening:\n" + "\n".join(banner))
        while not banner[-1].startswith("  control API:"):  # the banner's last line
            line = process.stdout.readline()
            if not line:
                raise AssertionError("serve stopped mid-banner:\n" + "\n".join(banner))
            banner.append(line.rstrip("\n"))
        # Keep reading what it prints (the access log): a full pipe would block the server.
        drain = threading.Thread(target=_drain, args=(process.stdout,), daemon=True)
        drain.start()
        yield SimulatorClient(match.group(1)), banner
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
