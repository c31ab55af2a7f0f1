"""`media77-sim check-url`: the verdict on a launch URL, offline and from a running simulator."""

from __future__ import annotations

import uuid

import pytest

from simulator.cli import main
from simulator.pytest_plugin import SimHelper

GOOD = (
    "https://lms.example.com/courses/workplace-safety/#/?reg={reg}"
    "&em=ada%40example.com&fn=Ada%20Lovelace&dom=localhost&lmsId=ACME-STG-7701"
)


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(["check-url", *argv])
    return code, capsys.readouterr().out


def test_a_good_url_is_ok_offline(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(capsys, GOOD.format(reg=uuid.uuid4()))
    assert code == 0
    assert out.startswith("ok:") and "corrected URL" not in out


def test_a_broken_url_is_rejected_with_its_codes_and_the_corrected_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg = str(uuid.uuid4())
    broken = GOOD.format(reg=reg.upper()).replace("#/?", "#?").replace("&fn=", "&amp;fn=")
    code, out = check(capsys, broken)
    assert code == 1
    assert out.startswith("rejected:")
    for finding in ("missing_hash_slash", "html_escaped_ampersand"):
        assert finding in out
    fixed = f"https://lms.example.com/courses/workplace-safety/#/?reg={reg}&em=ada%40example.com"
    assert f"corrected URL: {fixed}" in out


def test_values_wrong_beyond_repair_have_no_corrected_url(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = check(capsys, GOOD.format(reg="not-a-uuid"))
    assert code == 1 and "invalid_reg" in out
    assert "none can be derived" in out


def test_the_environment_decides_which_lmsid_launches(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(capsys, GOOD.format(reg=uuid.uuid4()), "--environment", "production")
    assert code == 1 and "wrong_environment_lms_id" in out
    assert "lmsId=ACME-PRD-7701" in out  # the corrected URL takes production's LMSID


@pytest.mark.parametrize("argv", [[], ["  "], ["x", "--environment", "moon"]])
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    try:
        code = main(["check-url", *argv])
    except SystemExit as stop:  # argparse's own refusals
        code = int(stop.code or 0)
    assert code == 2


def test_a_running_simulator_checks_it_and_knows_its_registrations(
    sim: SimHelper, capsys: pytest.CaptureFixture[str]
) -> None:
    reg = str(uuid.uuid4())
    url = sim.launch_url("workplace-safety", reg=reg)
    assert check(capsys, url, "--url", sim.url)[0] == 0
    sim.start_course("workplace-safety", reg=reg, email="grace@example.com")
    code, out = check(capsys, url, "--url", sim.url)
    assert code == 1 and "registration_reused" in out
    assert [e["outcome"] for e in sim.launches(registration=reg)] == ["created"]  # check only


def test_an_unreachable_simulator_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check-url", GOOD.format(reg=uuid.uuid4()), "--url", "http://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach" in capsys.readouterr().err
