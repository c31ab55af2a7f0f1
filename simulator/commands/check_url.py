"""`media77-sim check-url URL [--url SIM]`: read a launch URL exactly as the vendor's page would.

An LMS team's question is "would the vendor launch the URL my system builds?"; this
answers it from a terminal or a CI step, with the exit code as the verdict. Offline
it uses the same core function as the simulator's page; with `--url` it asks a
running simulator (its organizations, catalog and environment, and its registrations:
a `reg` taken by another learner is reported too).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

from simulator.commands._common import HelpFormatter, UsageError
from simulator.core.launch_url import read_launch_url
from simulator.core.organizations import ENVIRONMENTS


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check-url",
        help="read a launch URL as the vendor's page would: verdict, problems, corrected URL",
        formatter_class=HelpFormatter,
        description="Read a course launch URL exactly as the vendor's page reads it and print "
        "the verdict, every problem and warning with its code, and the corrected URL. "
        "Without --url the URL is read offline, with the fixtures' organizations and catalog "
        "(--fixtures, default the packaged ones) and no registrations; with --url the running "
        "simulator at that address checks it (POST /_sim/launches/check), changing nothing. "
        "Exit code 0: the vendor would launch it; 1: rejected; 2: usage error.",
    )
    parser.add_argument("launch_url", metavar="URL", help="the launch URL your LMS builds")
    parser.add_argument("--url", default="", help="base URL of a running simulator to ask")
    parser.add_argument("--referrer", default=None, help="the page the learner launches from")
    parser.add_argument("--fixtures", default="", help="fixtures folder for the offline reading")
    parser.add_argument(
        "--environment",
        default="staging",
        choices=ENVIRONMENTS,
        help="vendor environment played offline: which LMSIDs launch",
    )
    parser.set_defaults(run=run)


def _offline(args: argparse.Namespace) -> dict[str, Any]:
    from simulator import fixtures

    try:
        loaded = fixtures.load(args.fixtures or None)
    except (fixtures.FixtureError, OSError) as error:
        raise UsageError(str(error)) from error
    reading = read_launch_url(
        args.launch_url,
        args.referrer,
        organizations=loaded.organizations,
        environment=args.environment,
        course_ids={a.id for a in loaded.activities},
    )
    return {
        "ok": reading.ok,
        "diagnostics": [d.to_json() for d in reading.diagnostics],
        "fixedUrl": reading.fixed_url,
    }


def _online(args: argparse.Namespace) -> dict[str, Any]:
    from simulator.client import SimulatorClient, SimulatorError

    try:
        result = SimulatorClient(args.url).check_url(args.launch_url, args.referrer)
    except SimulatorError as error:
        raise UsageError(f"the simulator at {args.url} answered {error}") from error
    except (OSError, ValueError) as error:
        raise UsageError(f"cannot reach a simulator at {args.url}: {error}") from error
    body = result.body if isinstance(result.body, dict) else {}
    return {
        "ok": result.ok,
        "diagnostics": body.get("diagnostics", []),
        "fixedUrl": result.fixed_url,
    }


def report(verdict: Mapping[str, Any], out: TextIO) -> int:
    """Print the verdict, each finding with its code, and the corrected URL; the exit code."""
    ok = bool(verdict["ok"])
    print(
        "ok: the vendor's page would launch this URL"
        if ok
        else "rejected: the vendor's page could not launch this URL",
        file=out,
    )
    findings: Sequence[Mapping[str, Any]] = verdict["diagnostics"]
    for d in findings:
        field = f" [{d['field']}]" if d.get("field") else ""
        print(f"  {d['severity']:<7} {d['code']}{field}: {d['message']}", file=out)
    if verdict.get("fixedUrl"):
        print(f"corrected URL: {verdict['fixedUrl']}", file=out)
    elif not ok:
        print("corrected URL: none can be derived (fix the values above)", file=out)
    return 0 if ok else 1


def run(args: argparse.Namespace) -> int:
    if not args.launch_url.strip():
        raise UsageError("URL is empty: give the launch URL your LMS builds")
    return report(_online(args) if args.url else _offline(args), sys.stdout)
