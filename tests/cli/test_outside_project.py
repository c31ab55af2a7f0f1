"""The package as another project installs it: a built wheel in a fresh venv, and a test
file of that project's own that uses the three public fixtures and nothing else.

Only the wheel and pytest are installed (runtime dependencies from the local pip
cache or PyPI, `--no-compile` for speed): the `[test]` extras are this repository's
own suite's (browser, property tests), which an integrator does not need, so the
plugin must work without them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

OUTSIDE_TEST = '''
"""An LMS team's test: their own HTTPS endpoint and the simulator's receiver both get bundles."""

import json
import ssl
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

import simulator


class Endpoint(BaseHTTPRequestHandler):
    bundles = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("access_token") != "s3cret":
            self.send_response(401)
        else:
            Endpoint.bundles.append(json.loads(body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint(media77_certs):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    server.socket = media77_certs.ssl_context().wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_the_installed_package_is_the_wheel():
    assert "site-packages" in simulator.__file__


def test_our_https_endpoint_gets_the_completion(media77_sim, endpoint):
    media77_sim.add_webhook(endpoint, tokenValue="s3cret")
    reg = media77_sim.start_course("data-privacy", em="ann.lee@example.com", fn="Ann Lee")
    media77_sim.complete(reg["registration"])
    media77_sim.advance(0.5)
    [bundle] = Endpoint.bundles
    [record] = bundle["completions"]
    assert record["registration"] == reg["registration"] and record["progress"] == 100


def test_the_receiver_sees_retries_then_the_bundle(media77_sim, media77_receiver):
    media77_receiver.script([503])
    media77_sim.add_receiver_webhook(media77_receiver, retrySchedule=[1])
    media77_sim.start_course()
    media77_sim.advance(0.5 + 1)
    assert [b.status for b in media77_receiver.bundles] == [503, 200]


def test_the_progress_api_and_its_quota(media77_sim, media77_certs):
    media77_sim.start_course()
    media77_sim.set_quota(limit=1)
    assert media77_sim.report(number=10).status == 200
    assert media77_sim.report(number=10).status == 429
    assert media77_certs.ca_file.exists()
'''


@pytest.fixture(scope="session")
def project_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel, once per test session."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", out, ROOT],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = out.glob("media77_simulator-*.whl")
    return wheel


def test_another_project_tests_against_the_installed_wheel(
    project_wheel: Path, tmp_path: Path
) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)  # the outer pip installs into it: no pip to seed
    python = env_dir / "bin" / "python"
    pip = [
        sys.executable,
        "-m",
        "pip",
        "--python",
        str(python),
        "install",
        "--quiet",
        "--no-compile",
    ]
    install = subprocess.run(
        [*pip, str(project_wheel), "pytest"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    project = tmp_path / "acme-lms"
    project.mkdir()
    (project / "test_with_77media.py").write_text(textwrap.dedent(OUTSIDE_TEST))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    result = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout, result.stdout
