"""`media77-sim serve`: run the simulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from dataclasses import fields
from typing import Any

from simulator.background import until_stopped
from simulator.commands._common import UsageError, command_parser
from simulator.config import Config, ConfigError, build_config, env_name, flag_name
from simulator.fixtures import FixtureError
from simulator.runtime import settle_heap
from simulator.server import Simulator
from simulator.store import StoreOpenError
from simulator.web.app import is_loopback

SKIP_FLAGS = {"admin_token"}  # a secret: environment only, never on a command line
# The API's event loop shares the interpreter with the webhook I/O thread: each time the
# loop gives up the GIL (a system call, a SQLite statement) and wants it back while that
# thread computes, it waits up to the switch interval, 5 ms by default. Under failing
# endpoints those waits were most of the loop's lag (issue 13); 1 ms bounds each one.
SWITCH_INTERVAL_S = 0.001


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "serve",
        "run the simulator",
        "Run the simulator. Every option can also be set in a TOML file "
        "(--config) or a MEDIA77_SIM_* environment variable; flags win over variables, "
        "variables over the file. The admin token is MEDIA77_SIM_ADMIN_TOKEN only.",
    )
    parser.add_argument(
        "--config", metavar="FILE.toml", help="TOML file of settings (env: MEDIA77_SIM_CONFIG)"
    )
    for f in fields(Config):
        if f.name in SKIP_FLAGS:
            continue
        help_text = f"{f.metadata.get('help', '')} (env: {env_name(f.name)})"
        if isinstance(f.default, bool):
            parser.add_argument(
                flag_name(f.name),
                dest=f.name,
                action="store_true",
                default=argparse.SUPPRESS,
                help=help_text,
            )
            continue
        parser.add_argument(
            flag_name(f.name),
            dest=f.name,
            default=argparse.SUPPRESS,
            type=int if isinstance(f.default, int) else str,
            choices=f.metadata.get("choices"),
            metavar=None if f.metadata.get("choices") else f.name.split("_")[-1].upper(),
            help=help_text
            if _says_default(f.metadata.get("help", ""), f.default)
            else f"{help_text}; default: {f.default!r}",
        )
    parser.set_defaults(run=run)


def _says_default(help_text: str, default: object) -> bool:
    """Whether the default goes unprinted: the help names it already, or there is none."""
    return "default" in help_text.lower() or default in ("", None)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "level": record.levelname.lower(),
                "logger": record.name,
                "message": record.getMessage(),
            }
        )


def configure_logging(log_format: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def banner(simulator: Simulator) -> str:
    org = simulator.sim.store.default_organization()
    url = simulator.url
    return "\n".join(
        [
            f"media77-simulator listening on {url} ({simulator.config.environment}, "
            f"{simulator.config.clock} clock, db {simulator.config.db})",
            f"  launch URL:  {simulator.launch_url()}",
            f"  API token:   {org.token}  (organization {org.name!r})",
            f"  progress:    curl -s {url}/api/reports/progress -H 'Content-Type: application/json'"
            f' -d \'{{"token": "{org.token}"}}\'',
            f"  dashboard:   {url}/_sim/dashboard"
            if simulator.config.control_api == "on"
            else "  dashboard:   none (--control-api off)",
            f"  health:      {url}/_sim/health",
            *subscription_lines(simulator),
            control_api_notice(simulator.config),
        ]
    )


def subscription_lines(simulator: Simulator) -> list[str]:
    """Every webhook subscription, so a user sees where deliveries go (or that none do)."""
    subs = simulator.parts.engine.subscriptions()
    if not subs:
        return ["  webhooks:    none (--webhook-url URL, or POST /_sim/webhooks)"]
    return [
        f"  webhook:     {sub.id} -> {sub.url} ({sub.organization_id}; token in "
        f"{'the query' if sub.auth == 'query' else 'a header'} {sub.token_name!r})"
        for sub in subs
    ]


def control_api_notice(config: Config) -> str:
    """How /_sim/ is guarded, so a closed control API is not a mystery 403."""
    if config.control_api == "off":
        return (
            "  control API: OFF (--control-api off): only the vendor surface and "
            "GET /_sim/health answer; every other /_sim/ route is 404"
        )
    if config.admin_token:
        return "  control API: send Authorization: Bearer $MEDIA77_SIM_ADMIN_TOKEN"
    if not is_loopback(config.host):
        return (
            f"  control API: CLOSED (bound to {config.host}): set MEDIA77_SIM_ADMIN_TOKEN "
            "to use /_sim/ from other machines"
        )
    return "  control API: open on loopback (/_sim/, see /_sim/openapi.json)"


async def serve(config: Config) -> None:
    sys.setswitchinterval(SWITCH_INTERVAL_S)  # this process's own interpreter: see above
    simulator = Simulator(config, access_log=True)
    await simulator.start()
    settle_heap()
    print(banner(simulator), flush=True)
    try:
        await until_stopped()
    finally:
        print("media77-simulator stopping", file=sys.stderr, flush=True)
        await simulator.stop()


def run(args: argparse.Namespace) -> int:
    flags = {f.name: getattr(args, f.name) for f in fields(Config) if hasattr(args, f.name)}
    try:
        config = build_config(flags, config_file=args.config)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    configure_logging(config.log_format)
    try:
        asyncio.run(serve(config))
    except (FixtureError, ConfigError, StoreOpenError) as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise UsageError(
            f"cannot listen on {config.host}:{config.port}: {error.strerror or error}"
        ) from None
    return 0
