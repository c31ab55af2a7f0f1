"""`media77-sim contract`: run the vendor-contract tests against a simulator."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from simulator.commands._common import UsageError, command_parser


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "contract",
        "run the vendor-contract tests (contract_tests/)",
        "Run the contract tests, each checking one rule of the vendor's pages or "
        "one numbered reading of the simulator (contract_tests/REQUIREMENTS.md). Without "
        "--target-url: everything, against an in-process simulator. Against a running simulator "
        "with its control API: each test works in an organization it creates and deletes the "
        "webhook subscriptions it made; the target is never reset and nothing of yours is "
        "changed; clock-moving tests run only if its clock is virtual. Against a target without "
        "the control API (the vendor's staging, or serve --control-api off): read-only checks of "
        "the progress API, spending at most --max-api-calls calls of --target-token's daily "
        "quota. Extra arguments after -- go to pytest.",
    )
    parser.add_argument(
        "--target-url", default="", help="base URL of a running simulator or the vendor's system"
    )
    parser.add_argument(
        "--target-token",
        default="",
        help="a progress-API token there (required without a control API)",
    )
    parser.add_argument(
        "--admin-token",
        default="",
        help="the target's MEDIA77_SIM_ADMIN_TOKEN, when its control API needs one "
        "(or set MEDIA77_SIM_ADMIN_TOKEN)",
    )
    parser.add_argument(
        "--max-api-calls",
        type=int,
        default=20,
        metavar="N",
        help="progress-API calls the read-only mode may spend (default: 20)",
    )
    parser.add_argument(
        "--junitxml", default="", metavar="FILE", help="JUnit XML report, requirement ids included"
    )
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER, help="passed on to pytest")
    parser.set_defaults(run=run)


def contract_folder() -> Path:
    packaged = Path(__file__).resolve().parent.parent / "contract_tests"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "contract_tests"


def run(args: argparse.Namespace) -> int:
    try:
        import pytest
    except ImportError:
        raise UsageError(
            "the contract tests need the test extras: pip install 'media77-simulator[test]'"
        ) from None
    folder = contract_folder()
    if not folder.is_dir():
        raise UsageError(f"no contract tests found at {folder}")
    if args.max_api_calls < 1:
        raise UsageError("--max-api-calls must be 1 or more")
    if args.target_url:
        os.environ["MEDIA77_CONTRACT_URL"] = args.target_url
        os.environ["MEDIA77_CONTRACT_TOKEN"] = args.target_token
        os.environ["MEDIA77_CONTRACT_MAX_CALLS"] = str(args.max_api_calls)
    if args.admin_token:
        os.environ["MEDIA77_SIM_ADMIN_TOKEN"] = args.admin_token
    extra = [a for a in args.pytest_args if a != "--"]
    if args.junitxml:
        extra += [f"--junitxml={args.junitxml}", "-o", "junit_family=xunit1"]
    return int(
        pytest.main(
            [
                str(folder),
                "-o",
                "asyncio_mode=auto",
                "-p",
                "no:cacheprovider",
                "-W",
                "ignore::pytest.PytestAssertRewriteWarning",
                "-q",
                "-rs",
                *extra,
            ]
        )
    )
