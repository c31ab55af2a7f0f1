"""The Dockerfile's commands, run in a fresh venv (no Docker engine needed).

Builds the package the way the image does (`pip install .`, not editable), then
runs the image's CMD and HEALTHCHECK. This catches what only a real install shows:
fixtures and SQL migrations missing from the wheel, a broken console script.
"""

import json
import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.processes import URL

DOCKERFILE = (ROOT / "Dockerfile").read_text()


def instruction(name: str) -> str:
    joined = DOCKERFILE.replace("\\\n", " ")
    match = re.search(rf"^{name}\s+(.*)$", joined, re.MULTILINE)
    assert match, f"Dockerfile has no {name}"
    return match.group(1).strip()


def test_dockerfile_has_what_the_image_promises() -> None:
    assert instruction("FROM").startswith("python:3.11-slim")
    assert instruction("USER") != "root"
    assert instruction("EXPOSE") == "7777"
    assert instruction("VOLUME") == "/data"
    healthcheck = instruction("HEALTHCHECK")
    assert "/_sim/health" in healthcheck
    assert "urllib.request" in healthcheck, "the slim image has no curl: use Python's stdlib"
    assert json.loads(instruction("CMD")) == [
        "media77-sim",
        "serve",
        "--host",
        "0.0.0.0",
        "--db",
        "/data/media77-sim.db",
    ]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with the package installed from exactly what the Dockerfile COPYs."""
    work = tmp_path_factory.mktemp("image")
    context = work / "app"
    context.mkdir()
    for line in re.findall(r"^COPY\s+(.+)$", DOCKERFILE, re.MULTILINE):
        *sources, _destination = line.split()
        for source in sources:
            if (ROOT / source).is_dir():
                ignore = shutil.ignore_patterns("__pycache__")
                shutil.copytree(ROOT / source, context / source, ignore=ignore)
            else:
                shutil.copy(ROOT / source, context / source)
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "."], cwd=context, check=True, timeout=600
    )
    shutil.rmtree(context)  # the installed package must not need the sources
    return env_dir


def test_image_cmd_serves_and_healthcheck_passes(installed: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    cmd = json.loads(instruction("CMD"))
    cmd = [str(installed / "bin" / cmd[0]), *[a.replace("/data", str(data)) for a in cmd[1:]]]
    env = {
        **os.environ,
        "MEDIA77_SIM_PORT": "0",
        "PATH": f"{installed / 'bin'}:{os.environ['PATH']}",
    }
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path
    )
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if match := URL.search(line):
                break
        else:
            pytest.fail("the image's CMD exited before listening")
        port = match.group(1).rsplit(":", 1)[1]
        health = instruction("HEALTHCHECK").split("CMD", 1)[1].strip()
        check = subprocess.run(
            health.replace("python", str(installed / "bin" / "python"), 1),
            shell=True,
            env={**env, "MEDIA77_SIM_PORT": port},
            timeout=30,
        )
        assert check.returncode == 0
        assert (data / "media77-sim.db").exists()
    finally:
        process.terminate()
        process.wait(timeout=20)
