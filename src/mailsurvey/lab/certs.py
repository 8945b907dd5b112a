"""The lab's certificates, made with ``cryptography``.

One CA (``ca.pem``, what a client passes as ``ca_file``) signs the good server
certificate (``localhost`` and ``127.0.0.1``) and a wrong-host one
(``not-this-host.example``); ``self-signed.pem`` is signed by nobody. Tests restart
Dovecot with the bad ones to prove that certificates are verified.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_KINDS: tuple[str, ...] = ("good", "wrong_host", "self_signed")
WRONG_HOST = "not-this-host.example"
_FILES: dict[str, str] = {
    "good": "server",
    "wrong_host": "wrong-host",
    "self_signed": "self-signed",
}


@dataclass(frozen=True)
class CertPair:
    cert: Path
    key: Path


def cert_pair(cert_dir: Path, kind: str) -> CertPair:
    """Paths of the certificate and key for ``kind`` (good | wrong_host | self_signed)."""
    if kind not in _FILES:
        raise ValueError(f"unknown certificate kind {kind!r}; expected one of {CERT_KINDS}")
    stem = _FILES[kind]
    return CertPair(cert_dir / f"{stem}.pem", cert_dir / f"{stem}.key")


def ensure_certs(cert_dir: Path) -> Path:
    """Create the CA and the three server certificates if missing; return ``ca.pem``."""
    cert_dir.mkdir(parents=True, exist_ok=True)
    ca_pem, ca_key_path = cert_dir / "ca.pem", cert_dir / "ca.key"
    pairs = [cert_pair(cert_dir, k) for k in CERT_KINDS]
    if ca_pem.exists() and ca_key_path.exists() and all(p.cert.exists() for p in pairs):
        return ca_pem
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("mailsurvey lab CA")
    ca_cert = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write_key(ca_key_path, ca_key)
    ca_pem.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    _server(pairs[0], ["localhost"], ["127.0.0.1"], ca_cert, ca_key)
    _server(pairs[1], [WRONG_HOST], [], ca_cert, ca_key)
    _server(pairs[2], ["localhost"], ["127.0.0.1"], None, None)
    return ca_pem


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailsurvey lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )


def _server(
    pair: CertPair,
    dns: list[str],
    ips: list[str],
    ca_cert: x509.Certificate | None,
    ca_key: ec.EllipticCurvePrivateKey | None,
) -> None:
    """Write a server certificate; without a CA it signs itself."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name(dns[0])
    issuer = ca_cert.subject if ca_cert is not None else subject
    alt: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    alt += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    signer_pub = ca_key.public_key() if ca_key is not None else key.public_key()
    builder = (
        _builder(subject, issuer, key.public_key())
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_pub), critical=False
        )
    )
    cert = builder.sign(ca_key if ca_key is not None else key, hashes.SHA256())
    _write_key(pair.key, key)
    pair.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
