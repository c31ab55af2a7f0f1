"""What every sub-command shares, below both `simulator.cli` and the command modules
(so neither imports the other)."""

from __future__ import annotations

import argparse


class UsageError(Exception):
    """Bad input from the command line: printed plainly, exit code 2."""


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds "(default: ...)" to an option's help only when the help does not already say
    what the default is, and never for a default of None, "" or False (nothing to tell)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text.lower() or action.default in (None, "", False, argparse.SUPPRESS):
            return text
        return super()._get_help_string(action)


def command_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    summary: str,
    description: str,
) -> argparse.ArgumentParser:
    """A sub-command's parser: `summary` in `media77-sim --help`, `description` in its own
    `--help`, each default shown once (`HelpFormatter`)."""
    return subparsers.add_parser(
        name, help=summary, description=description, formatter_class=HelpFormatter
    )
