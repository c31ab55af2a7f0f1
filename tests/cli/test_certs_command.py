"""`media77-sim certs`, run as a user runs it: a subprocess, its output and exit code."""

from __future__ import annotations

import ssl
import subprocess
import sys
from pathlib import Path

from cryptography import x509


def certs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "simulator", "certs", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_certs_writes_a_ca_and_a_localhost_certificate_and_says_where_they_go(
    tmp_path: Path,
) -> None:
    out = tmp_path / "certs"  # made when missing
    result = certs("--out", str(out))

    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ca.pem", "server.key", "server.pem"]
    assert f"--webhook-ca {out / 'ca.pem'}" in result.stdout
    assert f"media77-sim receiver --tls --cert-dir {out}" in result.stdout
    assert (out / "server.key").stat().st_mode & 0o077 == 0, "the key is owner-only"

    leaf = x509.load_pem_x509_certificate((out / "server.pem").read_bytes())
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}
    # The pair loads as a server certificate, and the CA verifies it.
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(out / "server.pem", out / "server.key")
    ca = x509.load_pem_x509_certificate((out / "ca.pem").read_bytes())
    leaf.verify_directly_issued_by(ca)


def test_certs_refuses_to_replace_a_ca_without_force(tmp_path: Path) -> None:
    assert certs("--out", str(tmp_path)).returncode == 0
    first_ca = (tmp_path / "ca.pem").read_bytes()

    again = certs("--out", str(tmp_path))
    assert again.returncode == 2
    assert "--force" in again.stderr and "ca.pem" in again.stderr
    assert (tmp_path / "ca.pem").read_bytes() == first_ca
    assert "Traceback" not in again.stderr

    forced = certs("--out", str(tmp_path), "--force")
    assert forced.returncode == 0
    assert (tmp_path / "ca.pem").read_bytes() != first_ca


def test_certs_out_must_be_a_folder(tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("not a folder")
    result = certs("--out", str(a_file))
    assert result.returncode == 2
    assert "is a file, not a folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_certs_needs_out() -> None:
    result = certs()
    assert result.returncode == 2
    assert "--out" in result.stderr
