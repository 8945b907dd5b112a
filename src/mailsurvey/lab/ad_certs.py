"""The DC's LDAPS certificate, signed by the lab's CA (``lab/certs.py`` makes the CA).

The certificate names ``dc1.acme.local``, ``localhost`` and the DC's loopback address;
a DC moved to another address gets a new certificate. Samba (GnuTLS) wants the key
readable by its owner only.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .base import LabError
from .certs import ensure_certs


def ensure_dc_cert(cert_dir: Path, tls_dir: Path, host: str, dns_name: str) -> Path:
    """Write ``dc.pem``/``dc.key``/``ca.pem`` into ``tls_dir`` when missing or for another
    host; return the CA file a client verifies the DC with (the lab CA)."""
    ca_pem = ensure_certs(cert_dir)
    tls_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(tls_dir, 0o700)
    cert_path, key_path, ca_copy = tls_dir / "dc.pem", tls_dir / "dc.key", tls_dir / "ca.pem"
    if _valid(cert_path, ca_pem, host) and key_path.exists():
        return ca_pem
    try:
        ca_cert = x509.load_pem_x509_certificate(ca_pem.read_bytes())
        ca_key = serialization.load_pem_private_key((cert_dir / "ca.key").read_bytes(), None)
    except (OSError, ValueError) as exc:
        raise LabError(f"cannot read the lab CA in {cert_dir}: {exc}") from exc
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise LabError(f"the lab CA key in {cert_dir} is not an EC key")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mailsurvey lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, dns_name),
        ]
    )
    alt: list[x509.GeneralName] = [x509.DNSName(dns_name), x509.DNSName("localhost")]
    alt.append(x509.IPAddress(ipaddress.ip_address(host)))
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    shutil.copyfile(ca_pem, ca_copy)
    return ca_pem


def _valid(cert_path: Path, ca_pem: Path, host: str) -> bool:
    """The existing certificate names ``host`` and was signed by the current lab CA."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        ca = x509.load_pem_x509_certificate(ca_pem.read_bytes())
        alt = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    ips = {str(ip) for ip in alt.get_values_for_type(x509.IPAddress)}
    return host in ips and cert.issuer == ca.subject and _signed_by(cert, ca)


def _signed_by(cert: x509.Certificate, ca: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
