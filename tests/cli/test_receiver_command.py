"""`media77-sim receiver`, run as a user runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import json
import queue
import re
import signal
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from simulator.commands.certs import write_certs
from simulator.commands.receiver import describe, store_line
from simulator.receiver import ReceivedBundle

BUNDLE = {
    "started": [],
    "progressed": [
        {
            "transactionId": 41,
            "registration": "3f2a6c1e-0d3b-4c8e-9a51-2b7d9e0c4f11",
            "progress": 50,
        }
    ],
    "completions": [
        {
            "transactionId": 42,
            "registration": "9b1d2e3f-0d3b-4c8e-9a51-2b7d9e0c4f11",
            "progress": 100,
        }
    ],
}


class Running:
    """A `media77-sim receiver` process whose output is read line by line with a limit."""

    def __init__(self, *args: str, cwd: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "receiver", "--port", "0", *args],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def expect(self, pattern: str, timeout: float = 15.0) -> re.Match[str]:
        """The first line from here on matching `pattern` (a real-time guard, not a timing test)."""
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line matching {pattern!r}; saw {self.seen}") from None
            if line is None:
                raise AssertionError(f"exited before {pattern!r}; saw {self.seen}")
            self.seen.append(line)
            if match := re.search(pattern, line):
                return match

    def interrupt(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGINT)
        _, stderr = self.process.communicate(timeout=30)
        return self.process.returncode, stderr


@pytest.fixture
def running(tmp_path: Path) -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for proc in started:
        if proc.process.poll() is None:
            proc.process.kill()
            proc.process.communicate()


def send(
    url: str, body: Any, *, ca: str | None = None, headers: dict[str, str] | None = None
) -> int:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers=headers or {}
    )
    context = ssl.create_default_context(cafile=ca) if ca else None
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_receiver_prints_checks_the_token_and_stores_each_request(
    tmp_path: Path, running: list[Running]
) -> None:
    store = tmp_path / "got.jsonl"
    proc = Running("--token-value", "s3cret", "--store", str(store), cwd=tmp_path)
    running.append(proc)
    url = proc.expect(r"listening on (http://127\.0\.0\.1:\d+/webhook)").group(1)
    proc.expect(r"--allow-insecure-webhooks --webhook-token-name access_token")

    assert send(url, BUNDLE, headers={"access_token": "s3cret"}) == 200
    proc.expect(
        r"POST /webhook -> 200 accepted: 2 records \(started 0, progressed 1, completions 1\)"
    )
    proc.expect(r"progressed +#41 +3f2a6c1e-0d3b-4c8e-9a51-2b7d9e0c4f11 +progress 50")
    proc.expect(r"completions +#42 +9b1d2e3f-0d3b-4c8e-9a51-2b7d9e0c4f11 +progress 100")
    assert send(url + "?access_token=s3cret", BUNDLE) == 200
    proc.expect(r"-> 200 accepted")
    assert send(url, BUNDLE) == 401
    proc.expect(r"-> 401 refused \(token missing")

    code, stderr = proc.interrupt()
    assert code == 0, stderr
    assert "3 requests, 2 accepted" in stderr
    lines = [json.loads(line) for line in store.read_text().splitlines()]
    assert [(x["status"], x["accepted"], x["query"]) for x in lines] == [
        (200, True, {}),
        (200, True, {"access_token": "s3cret"}),
        (401, False, {}),
    ]
    assert all(x["body"] == BUNDLE for x in lines)


def test_receiver_over_https_with_certs_from_the_certs_command(
    tmp_path: Path, running: list[Running]
) -> None:
    write_certs(tmp_path / "certs")
    proc = Running("--tls", "--cert-dir", "certs", "--store", "", cwd=tmp_path)
    running.append(proc)
    url = proc.expect(r"listening on (https://localhost:\d+/webhook)").group(1)
    ca = str(tmp_path / "certs" / "ca.pem")
    proc.expect(rf"--webhook-url {re.escape(url)} --webhook-ca {re.escape(ca)}")

    assert send(url, BUNDLE, ca=ca) == 200
    proc.expect(r"-> 200 accepted")
    assert proc.interrupt()[0] == 0
    assert list(tmp_path.glob("*.jsonl")) == [], "--store '' keeps nothing"


def test_receiver_tls_without_cert_dir_makes_a_ca_for_the_run(
    tmp_path: Path, running: list[Running]
) -> None:
    proc = Running("--tls", cwd=tmp_path)
    running.append(proc)
    url = proc.expect(r"listening on (https://localhost:\d+/webhook)").group(1)
    ca = proc.expect(r"CA: +(\S+ca\.pem) \(made for this run").group(1)
    assert send(url, BUNDLE, ca=ca) == 200
    assert proc.interrupt()[0] == 0
    assert not Path(ca).exists()


def test_receiver_fails_on_purpose_reproducibly(tmp_path: Path, running: list[Running]) -> None:
    def statuses() -> list[int]:
        proc = Running(
            "--fail-rate",
            "0.5",
            "--fail-status",
            "502",
            "--seed",
            "11",
            "--store",
            "",
            cwd=tmp_path,
        )
        running.append(proc)
        url = proc.expect(r"listening on (\S+)").group(1)
        proc.expect(r"failing: +50% of requests get 502 \(seed 11\)")
        got = [send(url, BUNDLE) for _ in range(12)]
        proc.expect(r"-> 502 refused \(injected failure 502\)")
        assert proc.interrupt()[0] == 0
        return got

    first = statuses()
    assert set(first) == {200, 502}
    assert statuses() == first


def test_receiver_down_for_answers_the_fail_status_and_says_how_long(
    tmp_path: Path, running: list[Running]
) -> None:
    proc = Running("--down-for", "3600", "--store", "", cwd=tmp_path)
    running.append(proc)
    url = proc.expect(r"listening on (\S+)").group(1)
    assert send(url, BUNDLE) == 503
    proc.expect(r"-> 503 refused \(down for 3\d{3}\.\d s more\)")
    assert proc.interrupt()[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fail-rate", "2"], "--fail-rate 2: expected a share from 0 to 1"),
        (["--fail-status", "100"], "--fail-status 100: an answer status is 200-599"),
        (["--down-for", "-1"], "--down-for -1"),
        (["--path", "webhook"], "--path 'webhook': must start with '/'"),
        (["--cert-dir", "."], "--cert-dir is for HTTPS: add --tls"),
        (["--tls", "--cert-dir", "."], "make them with `media77-sim certs --out .`"),
        (["--port", "70000"], "--port 70000"),
        (["--port", "many"], "invalid int value"),
        (["--store", "no/such/dir/x.jsonl"], "--store no/such/dir/x.jsonl"),
        (["--token-name", "", "--token-value", "s3cret"], "--token-value needs a --token-name"),
    ],
)
def test_receiver_bad_input_is_a_clear_message_and_exit_code_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "receiver", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_receiver_on_a_port_in_use_says_so(tmp_path: Path, running: list[Running]) -> None:
    proc = Running("--store", "", cwd=tmp_path)
    running.append(proc)
    port = proc.expect(r"listening on http://127\.0\.0\.1:(\d+)/").group(1)
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "receiver", "--port", port, "--store", ""],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_receiver_help_shows_each_default_once(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "receiver", "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    text = " ".join(result.stdout.split())  # argparse wraps lines anywhere
    assert not re.search(r"\(default: [^)]*\) \(default:", text), text
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "--port PORT port (0 picks a free one) (default: 8787)" in text
    assert "(default: a fresh CA for this run only)" in text
    assert "--fail-status STATUS status of failures (default: 503)" in text


# -- the pure formatting -----------------------------------------------------------------------

AT = datetime(2026, 1, 5, 9, 0, 1, 250000, tzinfo=UTC)


def bundle(**changes: Any) -> ReceivedBundle:
    base: dict[str, Any] = {
        "body": BUNDLE,
        "headers": {"access_token": "s3cret"},
        "query": {},
        "path": "/webhook",
        "status": 503,
        "accepted": False,
        "token_ok": True,
        "received_at": 0.0,
        "reason": "down for 3.2 s more",
    }
    return ReceivedBundle(**{**base, **changes})


def test_describe_says_the_answer_why_and_each_record() -> None:
    assert describe(bundle(), AT).splitlines() == [
        "[09:00:01] POST /webhook -> 503 refused (down for 3.2 s more): "
        "2 records (started 0, progressed 1, completions 1)",
        "    progressed   #41     3f2a6c1e-0d3b-4c8e-9a51-2b7d9e0c4f11  progress 50",
        "    completions  #42     9b1d2e3f-0d3b-4c8e-9a51-2b7d9e0c4f11  progress 100",
    ]


def test_describe_handles_what_is_not_a_bundle() -> None:
    hung = bundle(status=0, body="x" * 500, reason="scripted hang")
    assert describe(hung, AT) == (
        "[09:00:01] POST /webhook -> no answer (scripted hang)\n    body: " + repr("x" * 200)
    )
    assert "body: '[1, 2]'" in describe(bundle(body=[1, 2]), AT)


def test_store_line_is_one_json_object_with_the_answer() -> None:
    line = store_line(bundle(status=200, accepted=True, reason="accepted"), AT)
    assert "\n" not in line
    assert json.loads(line) == {
        "receivedAt": "2026-01-05T09:00:01.250Z",
        "method": "POST",
        "path": "/webhook",
        "query": {},
        "headers": {"access_token": "s3cret"},
        "status": 200,
        "accepted": True,
        "tokenOk": True,
        "reason": "accepted",
        "body": BUNDLE,
    }
