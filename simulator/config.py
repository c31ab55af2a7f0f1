"""One settings object for `serve`, built from defaults < TOML file < env vars < flags.

Every field is one `serve` flag and one `MEDIA77_SIM_*` variable, derived from the
field name, so the three stay in step and `--help` can list them all.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

ENV_PREFIX = "MEDIA77_SIM_"


class ConfigError(ValueError):
    """A setting that cannot be used; the message names where it came from."""


class AccessLogMode(StrEnum):
    """What `serve` logs per request (see `simulator.access_log`)."""

    ON = "on"  # one lean line per request, written once per event-loop turn
    OFF = "off"
    AIOHTTP = "aiohttp"  # aiohttp's AccessLogger through logging, as before issue 14


def _choice(*options: str) -> dict[str, Any]:
    return {"choices": options}


@dataclass(frozen=True)
class Config:
    host: str = field(default="127.0.0.1", metadata={"help": "address to listen on"})
    port: int = field(default=7777, metadata={"help": "port to listen on (0 picks a free one)"})
    db: str = field(
        default="./media77-sim.db",
        metadata={"help": "SQLite file holding all state; ':memory:' for throw-away"},
    )
    fixtures: str = field(
        default="",
        metadata={
            "help": "folder with catalog.json, organizations.json, faq.json (default: bundled)"
        },
    )
    clock: str = field(
        default="system",
        metadata={
            "help": "'virtual' lets POST /_sim/clock move time",
            **_choice("system", "virtual"),
        },
    )
    clock_start: str = field(
        default="",
        metadata={"help": "ISO-8601 UTC start of the virtual clock (default: now)"},
    )
    environment: str = field(
        default="staging",
        metadata={
            "help": "vendor environment played: which LMSIDs launch",
            **_choice("staging", "production"),
        },
    )
    daily_limit: int = field(
        default=500, metadata={"help": "Activity Progress API calls per token per UTC day"}
    )
    tls_cert: str = field(default="", metadata={"help": "serve HTTPS with this certificate (PEM)"})
    tls_key: str = field(default="", metadata={"help": "private key for --tls-cert (PEM)"})
    log_format: str = field(
        default="text", metadata={"help": "log line format", **_choice("text", "json")}
    )
    access_log: str = field(
        default=AccessLogMode.ON.value,
        metadata={
            "help": "request log on stderr: 'on' one line per request, 'off', or 'aiohttp'"
            " (aiohttp's own logger, slower)",
            **_choice(*AccessLogMode),
        },
    )
    webhook_url: str = field(
        default="", metadata={"help": "subscribe the default organization's webhook to this URL"}
    )
    webhook_auth: str = field(
        default="header",
        metadata={"help": "how the access token is sent", **_choice("header", "query")},
    )
    webhook_token_name: str = field(
        default="access_token", metadata={"help": "access token name for --webhook-url"}
    )
    webhook_token_value: str = field(
        default="", metadata={"help": "access token value for --webhook-url"}
    )
    allow_insecure_webhooks: bool = field(
        default=False,
        metadata={"help": "allow plain-HTTP webhook URLs (the vendor requires HTTPS)"},
    )
    webhook_ca: str = field(
        default="", metadata={"help": "CA bundle (PEM) trusted for webhook endpoints"}
    )
    lenient_launch: bool = field(
        default=False,
        metadata={
            "help": "repair launch URLs the vendor's page could not read (with a warning) "
            "instead of failing them: the pre-2026-11 behaviour"
        },
    )
    control_api: str = field(
        default="on",
        metadata={
            "help": "'off' serves only the vendor surface and GET /_sim/health "
            "(every other /_sim/ route answers 404)",
            **_choice("on", "off"),
        },
    )
    public_url: str = field(
        default="",
        metadata={
            "help": "the simulator's URL as LMSs reach it, for the catalog's course URLs "
            "(default: the listening URL)"
        },
    )
    admin_token: str = field(
        default="",
        metadata={"help": "bearer token for /_sim/ (required when --host is not loopback)"},
    )

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"{scheme}://{host}:{self.port}"

    @property
    def public_base_url(self) -> str:
        """Where course URLs point: `--public-url`, else the listening URL."""
        return (self.public_url or self.base_url).rstrip("/")

    def check(self) -> Config:
        """Reject combinations that cannot work, before anything starts."""
        for f in fields(self):
            options = f.metadata.get("choices")
            if options and getattr(self, f.name) not in options:
                raise ConfigError(
                    f"{f.name.replace('_', '-')} must be one of {', '.join(options)}, "
                    f"not {getattr(self, f.name)!r}"
                )
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port must be 0-65535, not {self.port}")
        if self.daily_limit < 0:
            raise ConfigError("daily-limit must be 0 or more")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ConfigError("--tls-cert and --tls-key go together")
        if self.public_url:
            _check_public_url(self.public_url)
        if self.clock_start:
            from simulator.core.dates import parse_utc

            try:
                parse_utc(self.clock_start)
            except ValueError as error:
                raise ConfigError(f"clock-start: {error}") from error
        return self


def _check_public_url(url: str) -> None:
    """An absolute http(s) URL with a host and nothing after the path: course URLs go under it."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError as error:
        raise ConfigError(f"public-url {url!r} is not a URL: {error}") from None
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or any(c.isspace() or ord(c) < 32 for c in url)
    ):
        raise ConfigError(
            f"public-url must be an absolute http(s) URL such as https://sim.example.com, "
            f"not {url!r}"
        )


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _coerce(name: str, value: Any, where: str) -> Any:
    kind = {f.name: f for f in fields(Config)}[name].default
    if isinstance(kind, bool):
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{where}: {name} must be true or false, not {value!r}")
    if isinstance(kind, int):
        if isinstance(value, bool):
            raise ConfigError(f"{where}: {name} must be a whole number")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ConfigError(f"{where}: {name} must be a whole number, not {value!r}") from None
    if not isinstance(value, str | int | float):
        raise ConfigError(f"{where}: {name} must be text, not {value!r}")
    return str(value)


def from_toml(path: str | Path) -> dict[str, Any]:
    """Settings from a TOML file; keys are the flag names (dashes or underscores)."""
    import tomllib  # here, not at the top: only `--config` needs it (cold start, issue 14)

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    section = data.get("serve", data)
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}
    for key, value in section.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"config file {path}: unknown setting {key!r}")
        values[name] = _coerce(name, value, f"config file {path}")
    return values


def from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields(Config):
        variable = env_name(f.name)
        if variable in environ:
            values[f.name] = _coerce(f.name, environ[variable], variable)
    return values


def build_config(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_file: str | None = None,
) -> Config:
    """Merge the layers; `flags` holds only the flags given on the command line."""
    environ = os.environ if environ is None else environ
    config_file = config_file or environ.get(ENV_PREFIX + "CONFIG") or None
    merged: dict[str, Any] = {}
    if config_file:
        merged.update(from_toml(config_file))
    merged.update(from_env(environ))
    for name, value in (flags or {}).items():
        merged[name] = _coerce(name, value, flag_name(name))
    return replace(Config(), **merged).check()
