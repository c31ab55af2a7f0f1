"""`media77-sim receiver`: a webhook endpoint to watch, for a developer without one yet.

It prints every bundle as it arrives and why it answered as it did, keeps each
request as a JSON line, and can fail on purpose, so the simulator's retries and
silent loss can be watched from a terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import ssl
import sys
from dataclasses import fields
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from simulator.background import until_stopped
from simulator.clock import SystemClock
from simulator.commands._common import UsageError, command_parser
from simulator.core.records import EventKind
from simulator.receiver import ReceivedBundle, Receiver, ReceiverSettings, SettingsError
from simulator.receiver.tls import require_cert_files

DEFAULT_STORE = "./media77-receiver.jsonl"
# Where the command's defaults differ from the Python API's: a fixed port to give the
# simulator, and the vendor's usual token name.
CLI_DEFAULTS: dict[str, object] = {"port": 8787, "token_name": "access_token"}


def add_parser(subparsers: Any) -> None:
    """The options are `ReceiverSettings`' fields (and --store): defined once, there."""
    parser = command_parser(
        subparsers,
        "receiver",
        "a local webhook endpoint that prints and stores bundles",
        "A local webhook endpoint: prints each bundle as it arrives and the answer "
        "it gave, appends every request to a JSON-lines file, checks the access token, and "
        "can fail on purpose so you can watch the simulator retry and then drop. "
        "Runs until Ctrl-C.",
    )
    for setting in fields(ReceiverSettings):
        default = CLI_DEFAULTS.get(setting.name, setting.default)
        flag = "--" + setting.name.replace("_", "-")
        text = with_default(setting.metadata["help"], default)
        if isinstance(default, bool):
            parser.add_argument(flag, action="store_true", help=text)
            continue
        parser.add_argument(
            flag,
            type=str if default is None else type(default),
            default=default,
            metavar=setting.metadata.get("metavar"),
            help=text,
        )
    parser.add_argument(
        "--store",
        default=DEFAULT_STORE,
        metavar="FILE.jsonl",
        help=with_default(
            "file every request is appended to, one JSON line each ('' to keep none)",
            DEFAULT_STORE,
        ),
    )
    parser.set_defaults(run=run)


def with_default(text: str, default: object) -> str:
    """The help with its default, once: not when the help already says it or there is none."""
    if default is None or default is False or default == "" or "default" in text:
        return text
    return f"{text} (default: %(default)s)"


# -- what it prints and stores (pure) ----------------------------------------------------------


def describe(bundle: ReceivedBundle, at: datetime) -> str:
    """A bundle as a developer wants to read it: the answer and why, then each record."""
    if not bundle.status:
        answer = "no answer"  # reset or hang: the connection was closed, or is held
    else:
        answer = f"{bundle.status} {'accepted' if bundle.accepted else 'refused'}"
    why = bundle.reason.removeprefix("accepted").removeprefix("; ")
    head = f"[{at:%H:%M:%S}] {bundle.method} {bundle.path} -> {answer}" + (
        f" ({why})" if why else ""
    )
    body = bundle.body
    if not isinstance(body, dict):
        shown = body if isinstance(body, str) else json.dumps(body)
        return f"{head}\n    body: {shown[:200]!r}"
    counts = {k: len(body[k]) for k in EventKind.ALL if isinstance(body.get(k), list)}
    total = sum(counts.values())
    summary = ", ".join(f"{k} {n}" for k, n in counts.items())
    lines = [f"{head}: {total} record{'s' if total != 1 else ''} ({summary})"]
    for kind in EventKind.ALL:
        items = body.get(kind)
        for record in items if isinstance(items, list) else []:
            if not isinstance(record, dict):
                continue
            lines.append(
                f"    {kind:<12} #{record.get('transactionId', '?'):<6} "
                f"{record.get('registration', '?')}  progress {record.get('progress', '?')}"
            )
    return "\n".join(lines)


def store_line(bundle: ReceivedBundle, at: datetime) -> str:
    """One request as one JSON line: what came, and what was answered."""
    return json.dumps(
        {
            "receivedAt": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": bundle.method,
            "path": bundle.path,
            "query": bundle.query,
            "headers": bundle.headers,
            "status": bundle.status,
            "accepted": bundle.accepted,
            "tokenOk": bundle.token_ok,
            "reason": bundle.reason,
            "body": bundle.body,
        },
        ensure_ascii=False,
    )


def banner(receiver: Receiver, store: str, fresh_ca: bool) -> str:
    url = receiver.url
    wanted = receiver.settings
    lines = [f"media77-sim receiver listening on {url}"]
    token = (
        f" --webhook-token-name {wanted.token_name} --webhook-token-value {wanted.token_value}"
        if wanted.token_value
        else ""
    )
    if receiver.tls:
        note = " (made for this run; keep one with `media77-sim certs --out DIR`, --cert-dir DIR)"
        lines.append(f"  CA:         {receiver.ca_path}{note if fresh_ca else ''}")
        lines.append(
            f"  simulator:  media77-sim serve --webhook-url {url} --webhook-ca {receiver.ca_path}"
            + token
        )
    else:
        lines.append(
            f"  simulator:  media77-sim serve --webhook-url {url} --allow-insecure-webhooks"
            + token
            + "  (plain HTTP: the vendor requires HTTPS, see --tls)"
        )
    lines.append(
        f"  token:      {wanted.token_name}={wanted.token_value} as a header or query parameter"
        if wanted.token_value
        else "  token:      any accepted (set --token-value to check it)"
    )
    failing = []
    if wanted.fail_rate:
        failing.append(
            f"{wanted.fail_rate:.0%} of requests get {wanted.fail_status} (seed {wanted.seed})"
        )
    if wanted.down_for:
        failing.append(f"everything gets {wanted.fail_status} for the first {wanted.down_for:g} s")
    lines.append(f"  failing:    {'; '.join(failing) or 'never (see --fail-rate, --down-for)'}")
    lines.append(
        f"  storing:    every request as a JSON line in {store}"
        if store
        else "  storing:    nothing (--store '')"
    )
    lines.append("  Ctrl-C stops it.")
    return "\n".join(lines)


# -- the shell ---------------------------------------------------------------------------------


def settings_of(args: argparse.Namespace) -> ReceiverSettings:
    """The settings the flags give, or a `UsageError` naming the flag."""
    try:
        settings = ReceiverSettings(
            **{f.name: getattr(args, f.name) for f in fields(ReceiverSettings)}
        )
    except SettingsError as error:
        raise UsageError(error.for_cli()) from None
    if settings.cert_dir is not None:
        try:
            require_cert_files(Path(settings.cert_dir))
        except FileNotFoundError as error:
            raise UsageError(f"--cert-dir {error}") from None
    return settings


async def serve(receiver: Receiver, args: argparse.Namespace, counts: dict[str, int]) -> None:
    await receiver.start()
    fresh_ca = receiver.tls and receiver.cert_dir is None
    print(banner(receiver, args.store, fresh_ca), flush=True)
    try:
        await until_stopped()
    finally:
        await receiver.stop()
        print(
            f"media77-sim receiver stopped: {counts['requests']} requests, "
            f"{counts['accepted']} accepted",
            file=sys.stderr,
            flush=True,
        )


def run(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    clock = SystemClock()
    store: IO[str] | None = None
    if args.store:
        try:
            store = open(args.store, "a", encoding="utf-8")  # noqa: SIM115 (open for the run)
        except OSError as error:
            raise UsageError(f"--store {args.store}: {error.strerror or error}") from None

    counts = {"requests": 0, "accepted": 0}

    def show(bundle: ReceivedBundle) -> None:
        at = clock.now()
        if store is not None:
            store.write(store_line(bundle, at) + "\n")
            store.flush()
        print(describe(bundle, at), flush=True)
        # A run can last hours: what came is on screen and in --store, not kept in memory.
        counts["requests"] += 1
        counts["accepted"] += bundle.accepted
        receiver.bundles.clear()
        receiver.accepted.clear()

    receiver = Receiver(settings, clock=clock, on_bundle=show)
    try:
        asyncio.run(serve(receiver, args, counts))
    except ssl.SSLError as error:
        raise UsageError(
            f"--cert-dir {args.cert_dir}: cannot use the certificate: {error}"
        ) from None
    except OSError as error:
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {error.strerror or error}"
        ) from None
    finally:
        if store is not None:
            store.close()
    return 0
