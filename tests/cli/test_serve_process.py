"""`media77-sim serve` as a process: banner, restart persistence, CLI errors."""

import uuid
from pathlib import Path

from tests.processes import cli, served


def test_banner_prints_url_launch_url_token_and_dashboard(tmp_path: Path) -> None:
    with served("--db", str(tmp_path / "sim.db")) as (client, banner):
        assert client.health()["status"] == "ok"
        text = "\n".join(banner)
        assert f"{client.url}/courses/workplace-safety/#/?reg=" in text
        assert "&fn=Ada%20Lovelace&dom=localhost&lmsId=ACME-STG-7701" in text
        assert "f7e1379c-35ad-45f9-b0fa-6ef011e73938" in text
        assert f"{client.url}/_sim/dashboard" in text
        assert "webhooks:    none" in text
        assert "control API: open on loopback" in text


def test_banner_shows_the_subscription_webhook_url_made(tmp_path: Path) -> None:
    hook = ("--webhook-url", "https://lms.example.com/77media", "--webhook-token-value", "s3")
    with served("--db", str(tmp_path / "sim.db"), *hook) as (_client, banner):
        text = "\n".join(banner)
        assert "webhook:     wh_1 -> https://lms.example.com/77media" in text
        assert "control API: open on loopback" in text


def test_state_survives_a_restart(tmp_path: Path) -> None:
    db = str(tmp_path / "sim.db")
    reg = str(uuid.uuid4())
    with served("--db", db) as (client, _):
        org = {
            "id": "initech",
            "name": "Initech",
            "domains": ["lms.initech.test"],
            "lmsIds": {"staging": "INI-STG", "production": "INI-PRD"},
        }
        token = client.call("POST", "/_sim/organizations", org)["token"]
        client.launch(
            "data-privacy", reg, "kim@example.com", "Kim Lee", "lms.initech.test", "INI-STG"
        )
        before = client.set_progress(reg, 75)
    with served("--db", db) as (client, _):
        after = client.registration(reg)
        assert after == before
        assert any(o["token"] == token for o in client.organizations())
        other = client.launch(
            "data-privacy",
            str(uuid.uuid4()),
            "max@example.com",
            "Max Mu",
            "localhost",
            "ACME-STG-7701",
        )
        assert other["transactionId"] == before["transactionId"] + 1


def test_memory_database_is_throw_away(tmp_path: Path) -> None:
    with served("--db", ":memory:") as (client, _):
        assert client.health()["status"] == "ok"
    assert not list(tmp_path.iterdir())


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with served("--db", ":memory:") as (client, _):
        port = client.url.rsplit(":", 1)[1]
        result = cli("serve", "--port", port, "--db", ":memory:")
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_documents_every_option_and_its_variable() -> None:
    from dataclasses import fields

    from simulator.config import Config, env_name, flag_name

    help_text = cli("serve", "--help").stdout
    for f in fields(Config):
        if f.name == "admin_token":
            assert "MEDIA77_SIM_ADMIN_TOKEN" in help_text
            continue
        assert flag_name(f.name) in help_text
        assert env_name(f.name) in help_text


def test_bad_command_lines_exit_2_with_a_message(tmp_path: Path) -> None:
    cases = [
        (("serve", "--clock", "sundial"), "invalid choice"),
        (("serve", "--port", "99999", "--db", ":memory:"), "port must be 0-65535"),
        (("serve", "--fixtures", str(tmp_path / "none")), "does not exist"),
        (("serve", "--config", str(tmp_path / "none.toml")), "does not exist"),
        (
            ("seed", "--learners", "0", "--db", str(tmp_path / "x.db")),
            "--learners must be 1 or more",
        ),
        (("nonsense",), "invalid choice"),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.returncode == 2, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr


def test_contract_command_checks_a_running_simulator(tmp_path: Path) -> None:
    with served("--db", str(tmp_path / "sim.db"), "--clock", "virtual") as (client, _):
        result = cli("contract", "--target-url", client.url, "--", "-k", "launch")
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_control_api_is_closed_off_loopback_without_a_token(tmp_path: Path) -> None:
    with served("--host", "0.0.0.0", "--db", ":memory:") as (client, banner):
        assert any("control API: CLOSED (bound to 0.0.0.0)" in line for line in banner)
        assert client.health()["status"] == "ok"  # container health checks still work
        closed = client.request("GET", "/_sim/registrations")
        assert closed.status == 403 and "MEDIA77_SIM_ADMIN_TOKEN" in closed.body["message"]
    env = {"MEDIA77_SIM_ADMIN_TOKEN": "s3cret"}
    with served("--host", "0.0.0.0", "--db", ":memory:", env=env) as (client, _):
        assert client.request("GET", "/_sim/registrations").status == 401
        client.admin_token = "s3cret"
        assert client.request("GET", "/_sim/registrations").status == 200


def test_a_database_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    """A path in no writable folder, or a folder itself: one line, exit code 2."""
    for db, reason in ((tmp_path / "a-file" / "sim.db", "cannot open"), (tmp_path, "folder")):
        (tmp_path / "a-file").touch()
        result = cli("serve", "--db", str(db), "--port", "0")
        assert result.returncode == 2, result.stderr
        assert f"cannot open the database {db}" in result.stderr and reason in result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_help_never_prints_a_default_twice() -> None:
    for command in ("serve", "seed", "contract", "certs"):
        options: list[str] = []
        for line in cli(command, "--help").stdout.splitlines():
            if line.startswith("  -"):
                options.append(line)
            elif options:
                options[-1] += " " + line.strip()
        assert options, command
        for option in options:
            assert "(default: None)" not in option and "default: ''" not in option, option
            assert option.lower().count("default:") <= 1, (command, option)
