"""Shared pieces of the reliability benchmarks (crash, load, hostile).

Everything here drives the simulator from outside, the way a user or CI does:
`media77-sim serve` as its own process, HTTP to its public and `/_sim/` routes,
and `/proc/PID/status` for its memory. Nothing imports simulator internals
(only `simulator.receiver.Receiver`, the project's own public test endpoint), so
the benchmarks keep measuring the same promises while the insides change.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

LISTENING = re.compile(r"listening on (https?://\S+)")
DEFAULT_LMS = "ACME-STG-7701"
DEFAULT_TOKEN = "f7e1379c-35ad-45f9-b0fa-6ef011e73938"
COURSES = ("workplace-safety", "data-privacy", "cyber-hygiene", "first-aid-basics")


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pid: int) -> float:
    """Resident memory of process `pid` in MB (VmRSS of /proc/PID/status); 0 if gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    found = re.search(r"^VmRSS:\s+(\d+)\s+kB", text, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else 0.0


def cpu_seconds(pid: int, tid: int | None = None) -> float:
    """CPU seconds (user + system) a process, or one of its threads, has used so far
    (Linux `/proc`); 0 if gone.

    On a busy machine rates swing with the neighbours' load, but CPU per unit of work
    does not: it is what shows a part's own cost.
    """
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    try:
        fields = Path(path).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def launch_body(reg: str, email: str, course: str = COURSES[0]) -> dict[str, str]:
    """`POST /_sim/registrations` for the default organization (Acme, staging)."""
    return {
        "courseId": course,
        "reg": reg,
        "em": email,
        "fn": "Learner Bench",
        "dom": "localhost",
        "lmsId": DEFAULT_LMS,
    }


def new_reg() -> str:
    return str(uuid.uuid4())


@dataclass
class Served:
    """One `media77-sim serve` process: its URL, pid, and a log file of its output."""

    args: list[str]
    log_path: Path
    url: str = ""
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 60.0) -> str:
        """Start serve and return its URL once `GET /_sim/health` would answer (banner seen)."""
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "serve", "--port", "0", *self.args],
            stdout=subprocess.PIPE,
            stderr=self._log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + timeout
        banner = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline().decode(errors="replace")
            if not line:
                break
            banner.append(line)
            found = LISTENING.search(line)
            if found:
                self.url = found.group(1)
                self.starts += 1
                # Keep draining stdout so a full pipe never blocks the server.
                _drain_in_background(self.process.stdout, self._log)
                return self.url
        self.kill()
        raise RuntimeError(f"serve did not start: {''.join(banner)}\nsee {self.log_path}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the process (SIGKILL by default: no clean shutdown) and reap it."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self) -> None:
        """A clean stop (SIGTERM), as Ctrl-C or `docker stop` would."""
        self.kill(signal.SIGTERM)


def _drain_in_background(stream: IO[bytes], sink: IO[bytes]) -> None:
    import threading

    def pump() -> None:
        try:
            for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
                with contextlib.suppress(ValueError):  # the log was closed after a kill
                    sink.write(chunk)
        except (OSError, ValueError):
            pass

    threading.Thread(target=pump, name="serve-stdout", daemon=True).start()


def wrk_available() -> str | None:
    import shutil

    return shutil.which("wrk")


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def summary_line(name: str, values: dict[str, Any]) -> str:
    return name + ": " + ", ".join(f"{k} {v}" for k, v in values.items())
