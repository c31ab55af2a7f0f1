"""The endpoint 77media's Activity Progress Webhook POSTs to.

77media sends `{"started": [...], "progressed": [...], "completions": [...]}`
bundles with our token in a header we chose (`access_token: <value>` here). It
retries a failed delivery a few times, then drops the bundle for good, so the
endpoint answers 2xx only once the records are stored, and the audit job
(`lms.audit`) covers whatever was dropped. Bundles may come twice or out of
order: the store keeps the newest state per registration by `transactionId`.

Run it: `python -m lms.webhook --db lms.db --token s3cret --cert server.pem --key server.key`.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import ssl
from pathlib import Path
from typing import Any

from aiohttp import web

from lms.store import BadRecord, Store

KINDS = ("started", "progressed", "completions")


def create_app(
    store: Store, *, token_value: str, token_name: str = "access_token"
) -> web.Application:
    """The webhook endpoint at `POST /77media/progress`, storing into `store`."""
    if not token_value:
        raise ValueError("a webhook token is required: without one, anyone could post progress")
    expected = token_value.encode()

    async def receive(request: web.Request) -> web.Response:
        supplied = request.headers.get(token_name, "").encode()
        # Constant time, so the token cannot be guessed byte by byte from response times.
        if not hmac.compare_digest(supplied, expected):
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            bundle: Any = await request.json()
        except ValueError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        records = _records(bundle)
        if records is None:
            return web.json_response({"error": f"expected an object with {KINDS}"}, status=400)
        try:
            # SQLite is quick here, but it blocks: keep the event loop free for other requests.
            changed = await asyncio.to_thread(store.save_records, records, "webhook")
        except BadRecord as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response({"received": len(records), "changed": changed})

    app = web.Application()
    app.router.add_post("/77media/progress", receive)
    return app


def _records(bundle: Any) -> list[Any] | None:
    """Every record of a bundle, or None when it is not shaped like one."""
    if not isinstance(bundle, dict) or not any(kind in bundle for kind in KINDS):
        return None
    records: list[Any] = []
    for kind in KINDS:
        part = bundle.get(kind, [])
        if not isinstance(part, list):
            return None
        records.extend(part)
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("lms.db"))
    parser.add_argument("--token", required=True, help="the access_token value given to 77media")
    parser.add_argument("--cert", required=True, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", required=True, help="TLS private key (PEM)")
    parser.add_argument("--port", type=int, default=8443)
    args = parser.parse_args()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    web.run_app(
        create_app(Store(args.db), token_value=args.token), port=args.port, ssl_context=context
    )


if __name__ == "__main__":
    main()
