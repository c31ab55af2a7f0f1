"""`media77-sim certs --out DIR`: a local CA and a certificate for localhost (trustme).

The vendor only delivers webhooks to HTTPS endpoints, so a faithful local setup
needs a certificate the simulator can verify. These files are for that and
nothing else: the CA key is not kept, so the CA cannot sign anything more.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from simulator.commands._common import UsageError, command_parser

FILES = ("ca.pem", "server.pem", "server.key")
IDENTITIES = ("localhost", "127.0.0.1", "::1")


def add_parser(subparsers: Any) -> None:
    parser = command_parser(
        subparsers,
        "certs",
        "make a local CA and a localhost certificate for HTTPS webhooks",
        "Write ca.pem (a new local CA), server.pem and server.key (a certificate "
        f"it signed for {', '.join(IDENTITIES)}) into DIR, for `media77-sim receiver --tls "
        "--cert-dir DIR` and the simulator's --webhook-ca DIR/ca.pem.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write them to")
    parser.add_argument(
        "--force", action="store_true", help="replace files already there (a new CA)"
    )
    parser.set_defaults(run=run)


def write_certs(out: Path, *, force: bool = False) -> list[Path]:
    """Write the three files into `out` (made if missing); FileExistsError unless `force`."""
    import trustme

    paths = [out / name for name in FILES]
    present = [p for p in paths if p.exists()]
    if present and not force:
        raise FileExistsError(", ".join(str(p) for p in present))
    out.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA(organization_name="media77-simulator local CA")
    cert = ca.issue_cert(*IDENTITIES, organization_name="media77-simulator")
    ca_pem, server_pem, server_key = paths
    ca.cert_pem.write_to_path(str(ca_pem))
    server_pem.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
    # The key is written owner-only from the start, never world-readable for a moment.
    fd = os.open(server_key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(cert.private_key_pem.bytes())
    return paths


def usage(out: Path) -> str:
    """What to pass where, with the real paths filled in."""
    ca, pem, key = (out / name for name in FILES)
    return "\n".join(
        [
            f"wrote a local CA and a certificate for {', '.join(IDENTITIES)} into {out}:",
            f"  {ca}      the CA: whatever checks the certificate must trust it",
            f"  {pem}  the certificate, with its chain",
            f"  {key}  its private key (owner-only)",
            "use them:",
            f"  receiver:   media77-sim receiver --tls --cert-dir {out}",
            "  simulator:  media77-sim serve --webhook-url https://localhost:8787/webhook "
            f"--webhook-ca {ca}",
            f"  or serve the simulator itself over HTTPS: media77-sim serve --tls-cert {pem} "
            f"--tls-key {key}",
            f"  clients:    curl --cacert {ca} ...  (Python: SSL_CERT_FILE={ca})",
        ]
    )


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder")
    try:
        write_certs(out, force=args.force)
    except FileExistsError as error:
        raise UsageError(
            f"already there: {error}; pass --force to replace them "
            "(a new CA: anything trusting the old ca.pem must be given the new one)"
        ) from None
    except OSError as error:
        raise UsageError(f"cannot write to {out}: {error.strerror or error}") from None
    print(usage(out))
    return 0
