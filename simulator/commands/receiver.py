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
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from simulator.background import until_stopped
from simulator.cli import UsageError
from simulator.clock import Clock, SystemClock
from simulator.core.records import EventKind
from simulator.receiver import CERT_FILES, ReceivedBundle, Receiver

DEFAULT_STORE = "./media77-receiver.jsonl"


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "receiver",
        help="a local webhook endpoint that prints and stores bundles",
        description="A local webhook endpoint: prints each bundle as it arrives and the answer "
        "it gave, appends every request to a JSON-lines file, checks the access token, and "
        "can fail on purpose so you can watch the simulator retry and then drop. "
        "Runs until Ctrl-C.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8787, help="port (0 picks a free one)")
    parser.add_argument("--path", default="/webhook", help="path the webhook is POSTed to")
    parser.add_argument(
        "--tls", action="store_true", help="HTTPS, as the vendor requires of real endpoints"
    )
    parser.add_argument(
        "--cert-dir",
        metavar="DIR",
        help="with --tls: ca.pem, server.pem, server.key from `media77-sim certs --out DIR` "
        "(default: a fresh CA for this run only)",
    )
    parser.add_argument(
        "--token-name", default="access_token", help="name of the access token (header or query)"
    )
    parser.add_argument(
        "--token-value", default="", help="expected access token (default: accept any)"
    )
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, metavar="R", help="share of requests to fail, 0-1"
    )
    parser.add_argument(
        "--fail-status", type=int, default=503, metavar="STATUS", help="status of failures"
    )
    parser.add_argument(
        "--down-for",
        type=float,
        default=0.0,
        metavar="S",
        help="answer --fail-status to everything for the first S seconds",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of --fail-rate's draws")
    parser.add_argument(
        "--store",
        default=DEFAULT_STORE,
        metavar="FILE.jsonl",
        help="file every request is appended to, one JSON line each ('' to keep none)",
    )
    parser.set_defaults(run=run)


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


def banner(receiver: Receiver, args: argparse.Namespace, fresh_ca: bool) -> str:
    url = receiver.url
    lines = [f"media77-sim receiver listening on {url}"]
    token = (
        f" --webhook-token-name {args.token_name} --webhook-token-value {args.token_value}"
        if args.token_value
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
        f"  token:      {args.token_name}={args.token_value} as a header or query parameter"
        if args.token_value
        else "  token:      any accepted (set --token-value to check it)"
    )
    failing = []
    if args.fail_rate:
        failing.append(
            f"{args.fail_rate:.0%} of requests get {args.fail_status} (seed {args.seed})"
        )
    if args.down_for:
        failing.append(f"everything gets {args.fail_status} for the first {args.down_for:g} s")
    lines.append(f"  failing:    {'; '.join(failing) or 'never (see --fail-rate, --down-for)'}")
    lines.append(
        f"  storing:    every request as a JSON line in {args.store}"
        if args.store
        else "  storing:    nothing (--store '')"
    )
    lines.append("  Ctrl-C stops it.")
    return "\n".join(lines)


# -- the shell ---------------------------------------------------------------------------------


def check_args(args: argparse.Namespace) -> None:
    """Refuse what would quietly do something else, naming the flag."""
    if args.cert_dir is not None and not args.tls:
        raise UsageError("--cert-dir is for HTTPS: add --tls")
    if args.cert_dir is not None:
        folder = Path(args.cert_dir)
        missing = [name for name in CERT_FILES if not (folder / name).is_file()]
        if missing:
            raise UsageError(
                f"--cert-dir {folder} has no {', '.join(missing)}: "
                f"make them with `media77-sim certs --out {folder}`"
            )
    if not 0.0 <= args.fail_rate <= 1.0:
        raise UsageError(f"--fail-rate {args.fail_rate:g}: expected a share from 0 to 1")
    if not 200 <= args.fail_status <= 599:
        raise UsageError(f"--fail-status {args.fail_status}: an answer status is 200-599")
    if not args.down_for >= 0 or args.down_for == float("inf"):
        raise UsageError(f"--down-for {args.down_for:g}: expected seconds >= 0")
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}: expected 0-65535")
    if not args.path.startswith("/"):
        raise UsageError(f"--path {args.path!r}: must start with '/'")
    if args.token_value and not args.token_name:
        raise UsageError("--token-value needs a --token-name")


def build_receiver(
    args: argparse.Namespace, clock: Clock, show: Callable[[ReceivedBundle], None]
) -> Receiver:
    try:
        return Receiver(
            host=args.host,
            port=args.port,
            tls=args.tls,
            cert_dir=args.cert_dir,
            token_name=args.token_name,
            token_value=args.token_value,
            fail_rate=args.fail_rate,
            fail_status=args.fail_status,
            down_for=args.down_for,
            seed=args.seed,
            clock=clock,
            path=args.path,
            on_bundle=show,
        )
    except ValueError as error:
        raise UsageError(str(error)) from None


async def serve(receiver: Receiver, args: argparse.Namespace, counts: dict[str, int]) -> None:
    await receiver.start()
    print(banner(receiver, args, fresh_ca=args.tls and args.cert_dir is None), flush=True)
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
    check_args(args)
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

    receiver = build_receiver(args, clock, show)
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
