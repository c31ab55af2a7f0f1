"""The receiver's TLS material: certificates from `media77-sim certs`, or a fresh trustme CA.

A webhook sender must verify the receiver's certificate, as the vendor's does,
so a test needs the CA that signed it: `TlsMaterial.ca_path` / `ca_pem`.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CERT_FILES", "TlsMaterial", "fresh_material", "material_from", "require_cert_files"]

CERT_FILES = ("ca.pem", "server.pem", "server.key")


@dataclass(frozen=True)
class TlsMaterial:
    """A server context for `localhost` and the CA a client must trust for it."""

    context: ssl.SSLContext
    ca_path: str
    ca_pem: bytes


def require_cert_files(folder: Path) -> None:
    """Raise `FileNotFoundError` saying how to make them when a cert file is missing."""
    missing = [name for name in CERT_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} has no {', '.join(missing)}: "
            f"make them with `media77-sim certs --out {folder}`"
        )


def material_from(cert_dir: str) -> TlsMaterial:
    """The certificates in `cert_dir`, as `media77-sim certs --out` wrote them (never removed)."""
    folder = Path(cert_dir).absolute()  # a path that works from any directory
    require_cert_files(folder)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(folder / "server.pem", folder / "server.key")
    return TlsMaterial(context, str(folder / "ca.pem"), (folder / "ca.pem").read_bytes())


def fresh_material(owner: object) -> TlsMaterial:
    """A new CA and a certificate for localhost, 127.0.0.1 and ::1.

    The CA file lives until `owner` is collected or the process ends, not until the
    server stops: a receiver stopped and started again (an outage) must keep the CA
    a sender trusts.
    """
    import trustme  # a runtime dependency, imported only when TLS is asked for

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca = trustme.CA(organization_name="media77-simulator receiver")
    ca.issue_cert("localhost", "127.0.0.1", "::1").configure_cert(context)
    folder = tempfile.mkdtemp(prefix="media77-receiver-")
    weakref.finalize(owner, shutil.rmtree, folder, True)
    ca_path = Path(folder) / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_path))
    return TlsMaterial(context, str(ca_path), ca.cert_pem.bytes())
