"""`media77-sim`: one entry point, one module per sub-command in `simulator.commands`."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from simulator._version import __version__
from simulator.commands._common import UsageError

__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]

# Each names a module in simulator.commands with `add_parser(subparsers)`; the
# parser's `run` default takes the parsed arguments and returns the exit code.
COMMANDS = ("serve", "seed", "learners", "check-url", "contract", "receiver", "certs")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="media77-sim",
        description="A local, faithful simulator of the 77media course service: "
        "course launch, the Activity Progress API and the progress webhook.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"simulator.commands.{name.replace('-', '_')}").add_parser(
            subparsers
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except UsageError as error:
        print(f"media77-sim {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
