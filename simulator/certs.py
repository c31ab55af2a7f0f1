"""A local CA and a localhost certificate on disk, for serving your own endpoint over HTTPS.

The vendor only sends webhooks over HTTPS. To test the endpoint you wrote with
TLS switched on, serve it with `ssl_context()` and have the simulator trust
`ca_file` (`--webhook-ca`, or the pytest plugin, which does it for you).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Certificates:
    """Files of one CA and one server certificate it signed for `HOSTS`.

    The names are those `media77-sim certs --out DIR` writes (`ca.pem`,
    `server.pem`, `server.key`), so the folder also serves `receiver --cert-dir`.
    """

    directory: Path

    @classmethod
    def create(cls, directory: Path | str, hosts: tuple[str, ...] = HOSTS) -> Certificates:
        """Make a fresh trustme CA and a certificate for `hosts`, written to `directory`."""
        import trustme  # a runtime dependency, loaded only when certificates are made

        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        ca = trustme.CA(organization_name="media77-simulator test CA")
        server = ca.issue_cert(*hosts)
        ca.cert_pem.write_to_path(str(folder / "ca.pem"))
        server.private_key_pem.write_to_path(str(folder / "server.key"))
        with (folder / "server.pem").open("wb") as chain:
            for blob in server.cert_chain_pems:
                chain.write(blob.bytes())
        return cls(folder)

    @property
    def cert_file(self) -> Path:
        """The server certificate chain (PEM)."""
        return self.directory / "server.pem"

    @property
    def key_file(self) -> Path:
        """The server certificate's private key (PEM)."""
        return self.directory / "server.key"

    @property
    def ca_file(self) -> Path:
        """The CA certificate (PEM) a client must trust."""
        return self.directory / "ca.pem"

    @property
    def ca_pem(self) -> str:
        """The CA certificate as PEM text (a subscription's `ca` field takes it)."""
        return self.ca_file.read_text()

    def ssl_context(self) -> ssl.SSLContext:
        """A server-side context with the localhost certificate, for your own endpoint."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client-side context that trusts the CA, for calling that endpoint yourself."""
        return ssl.create_default_context(cafile=str(self.ca_file))
