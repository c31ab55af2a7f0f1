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


def named_command(argv: Sequence[str]) -> str | None:
    """The sub-command `argv` names, if any: its first word that is not an option
    (the top-level options, `-h` and `--version`, take no value)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `only` one sub-command's: `media77-sim serve` then
    imports neither the other commands' modules nor what they import (cold start,
    issue 14). A sub-command's own `--help` and errors are the same either way;
    `media77-sim --help` and an unknown command get every sub-command."""
    parser = argparse.ArgumentParser(
        prog="media77-sim",
        description="A local, faithful simulator of the 77media course service: "
        "course launch, the Activity Progress API and the progress webhook.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        importlib.import_module(f"simulator.commands.{name.replace('-', '_')}").add_parser(
            subparsers
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(named_command(words))
    args = parser.parse_args(words)
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
