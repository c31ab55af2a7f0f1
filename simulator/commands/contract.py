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
        "Run the contract tests, each checking one rule of the vendor docs. Without "
        "--target-url they start a simulator in-process; with it they test that running "
        "simulator (it must expose the control API: set MEDIA77_SIM_ADMIN_TOKEN if it needs one). "
        "Extra arguments after -- go to pytest.",
    )
    parser.add_argument("--target-url", default="", help="base URL of a running simulator")
    parser.add_argument(
        "--target-token", default="", help="its progress-API token (default: its default org's)"
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
    if args.target_url:
        os.environ["MEDIA77_CONTRACT_URL"] = args.target_url
        os.environ["MEDIA77_CONTRACT_TOKEN"] = args.target_token
    extra = [a for a in args.pytest_args if a != "--"]
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
                *extra,
            ]
        )
    )
