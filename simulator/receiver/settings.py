"""The receiver's settings, defined once: the Python API and the CLI are both built from here.

`ReceiverSettings` checks itself when made, so a bad value fails where it was
written, not at the first request. A `SettingsError` names the field and the
problem; it reads as Python (`fail rate 1.5: ...`) or, through `for_cli()`, with
the command's flag names (`--fail-rate 1.5: ...`), so the command needs no checks
of its own. Each field's `help` (and `metavar`) in its metadata is what
`media77-sim receiver --help` shows.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, fields
from typing import Any

__all__ = ["LIVE_FIELDS", "ReceiverSettings", "SettingsError"]

# What a test may change on a running receiver (and `clear()` puts back).
LIVE_FIELDS = ("token_name", "token_value", "fail_rate", "fail_status", "down_for")


class SettingsError(ValueError):
    """A setting the receiver refuses, with the field it is about.

    `problem` may name other fields as `{name}`: they are spelled per audience.
    """

    def __init__(self, name: str, problem: str, value: object = None, *, show: bool = True):
        self.field = name
        self.problem = problem
        self.value = value
        self.show = show
        super().__init__(self.render(cli=False))

    def render(self, *, cli: bool) -> str:
        spelled = {f.name: _spell(f.name, f.type, cli=cli) for f in fields(ReceiverSettings)}
        head = f"--{self.field.replace('_', '-')}" if cli else self.field.replace("_", " ")
        if self.show:
            head += f" {_shown(self.value)}"
        separator = ": " if self.show else " "
        return head + separator + self.problem.format(**spelled)

    def for_cli(self) -> str:
        """The message with the command's flag names, for `media77-sim receiver`."""
        return self.render(cli=True)


def _spell(name: str, annotation: object, *, cli: bool) -> str:
    if cli:
        return f"--{name.replace('_', '-')}"
    return f"{name}=True" if annotation in (bool, "bool") else name.replace("_", " ")


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return repr(value) if isinstance(value, str) else str(value)


def _help(text: str, metavar: str | None = None) -> dict[str, str]:
    return {"help": text} if metavar is None else {"help": text, "metavar": metavar}


@dataclass(frozen=True)
class ReceiverSettings:
    """How a `Receiver` listens and answers; every field is also a `receiver` flag."""

    host: str = field(default="127.0.0.1", metadata=_help("address to listen on"))
    port: int = field(default=0, metadata=_help("port (0 picks a free one)"))
    path: str = field(default="/webhook", metadata=_help("path the webhook is POSTed to"))
    tls: bool = field(
        default=False, metadata=_help("HTTPS, as the vendor requires of real endpoints")
    )
    cert_dir: str | None = field(
        default=None,
        metadata=_help(
            "with --tls: ca.pem, server.pem, server.key from `media77-sim certs --out DIR` "
            "(default: a fresh CA for this run only)",
            "DIR",
        ),
    )
    token_name: str = field(
        default="", metadata=_help("name of the access token (header or query)")
    )
    token_value: str = field(
        default="", metadata=_help("expected access token (default: accept any)")
    )
    fail_rate: float = field(default=0.0, metadata=_help("share of requests to fail, 0-1", "R"))
    fail_status: int = field(default=503, metadata=_help("status of failures", "STATUS"))
    down_for: float = field(
        default=0.0,
        metadata=_help("answer --fail-status to everything for the first S seconds", "S"),
    )
    seed: int = field(default=0, metadata=_help("seed of --fail-rate's draws"))

    def __post_init__(self) -> None:
        for name in ("port", "path", *LIVE_FIELDS):
            check_field(name, getattr(self, name))
        if self.cert_dir is not None and not self.tls:
            raise SettingsError(
                "cert_dir", "is for HTTPS: add {tls} (it is only used with {tls})", show=False
            )
        if self.token_value and not self.token_name:
            raise SettingsError("token_value", "needs a {token_name}", show=False)

    def live(self, **changes: Any) -> ReceiverSettings:
        """A copy with changes made to a running receiver, each field checked on its own.

        Not the checks across fields: a test may set the token's value before its
        name. (`object.__setattr__` on a fresh copy is how a frozen dataclass is
        changed without running `__post_init__`.)
        """
        changed = copy.copy(self)
        for name, value in changes.items():
            if name not in LIVE_FIELDS:
                raise AttributeError(f"{name} is fixed when the receiver is made")
            check_field(name, value)
            object.__setattr__(changed, name, value)
        return changed


def check_field(name: str, value: Any) -> None:
    """One field's own rule: what would make the receiver quietly do something else."""
    if name == "port" and not (_is_whole(value) and 0 <= value <= 65535):
        raise SettingsError(name, "expected 0-65535 (0 picks a free port)", value)
    if name == "path" and not (isinstance(value, str) and value.startswith("/")):
        raise SettingsError(name, "must start with '/'", value)
    if name in ("token_name", "token_value") and not isinstance(value, str):
        raise SettingsError(name, "expected a string", value)
    if name == "fail_rate" and not (_is_number(value) and 0.0 <= value <= 1.0):
        raise SettingsError(name, "expected a share from 0 to 1", value)
    if name == "fail_status" and not (_is_whole(value) and 200 <= value <= 599):
        raise SettingsError(name, "an answer status is 200-599", value)
    if name == "down_for" and not (_is_number(value) and math.isfinite(value) and value >= 0):
        raise SettingsError(name, "expected seconds >= 0", value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
