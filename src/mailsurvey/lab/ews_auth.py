"""Who may log on to the lab's EWS server, with Basic, NTLM or OAuth2, and as whom they act.

Accounts: the service account (``ACME\\svc-ews`` / ``svc-ews@acme.nl``, allowed to
impersonate every mailbox and with Full Access to all), and every seeded user mailbox
(logon name its address or ``ACME\\<local part>``, the lab's shared user password).
NTLM is checked by pyspnego as the acceptor, against the hashes in ``NTLM_USER_FILE``,
with channel binding to the server's certificate (Extended Protection, as Exchange 2019
CU14 enables by default). Passwords never leave this module.

OAuth2 (Hybrid Modern Authentication: ``Authorization: Bearer <access token>``): the
token is a JWT signed with the lab's HS256 key (``lab/oauth.py``, the key Dovecot checks
XOAUTH2 with), issued by ``oauth.ISSUER`` for the audience ``AUDIENCE``, within its
lifetime; its ``upn`` (else ``sub``) is the account, which then acts as with a password.
"""

from __future__ import annotations

import base64
import hmac
import time
from dataclasses import dataclass
from typing import Any

import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from spnego._ntlm_raw.crypto import ntowfv1  # MD4 of the password (OpenSSL 3 has no MD4)
from spnego.channel_bindings import GssChannelBindings

from .base import DOMAIN
from .ews_store import Caller
from .oauth import ISSUER, verified_claims

NETBIOS = "ACME"
SERVICE = "svc-ews"
AUDIENCE = f"https://mail.{DOMAIN}"  # the EWS resource the tokens are issued for


@dataclass(frozen=True)
class Account:
    logons: tuple[str, ...]  # accepted logon names, lower case
    password: str
    caller: Caller


class Accounts:
    def __init__(self, service_password: str, user_password: str, users: list[str]) -> None:
        svc = Caller(f"{NETBIOS}\\{SERVICE}", None, can_impersonate=True)
        self.all = [
            Account(
                (f"{NETBIOS}\\{SERVICE}".lower(), f"{SERVICE}@{DOMAIN}", f"{SERVICE}@acme.local"),
                service_password,
                svc,
            )
        ]
        taken: set[str] = set()
        for address in users:
            down_level = f"{NETBIOS}\\{address.split('@')[0][:20]}".lower()
            logons = (address.lower(),) if down_level in taken else (address.lower(), down_level)
            taken.add(down_level)  # a cut name stays the first one's (AD keeps it unique)
            self.all.append(Account(logons, user_password, Caller(address, address)))
        self._by_logon = {name: a for a in self.all for name in a.logons}

    def find(self, logon: str) -> Account | None:
        return self._by_logon.get(logon.strip().lower())

    def basic(self, credentials: str) -> tuple[Caller | None, str]:
        """(caller or None, the logon name) for a Basic ``Authorization`` value's token."""
        try:
            logon, _, password = base64.b64decode(credentials).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None, ""
        account = self.find(logon)
        if account is None or not hmac.compare_digest(account.password.encode(), password.encode()):
            return None, logon
        return account.caller, logon

    def bearer(self, token: str, key: bytes, now: float | None = None) -> tuple[Caller | None, str]:
        """(caller or None, the account the token names, "" when it cannot be trusted) for
        a Bearer access token."""
        try:
            claims = verified_claims(key, token)
        except ValueError:
            return None, ""
        user = claims.get("upn") or claims.get("sub")
        if not isinstance(user, str):
            return None, ""
        account = self.find(user)
        if account is None or not _current(claims, time.time() if now is None else now):
            return None, user
        return account.caller, user

    def ntlm_user_file(self) -> str:
        """smbpasswd-format lines (hashes only) for pyspnego's ``NTLM_USER_FILE``."""
        lines = []
        for account in self.all:
            nt = ntowfv1(account.password).hex().upper()
            for logon in account.logons:
                name = logon.upper() if "\\" in logon else logon
                lines.append(f"{name}:1000:{'0' * 32}:{nt}:[U]:LCT-00000000")
        return "\n".join(lines) + "\n"


def _current(claims: dict[str, Any], now: float) -> bool:
    """Issued by the lab, for EWS, and within its lifetime (``nbf`` <= now < ``exp``)."""
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    exp, nbf = claims.get("exp"), claims.get("nbf", 0)
    if not isinstance(exp, int | float) or not isinstance(nbf, int | float):
        return False
    return claims.get("iss") == ISSUER and AUDIENCE in audiences and nbf <= now < exp


class Ntlm:
    """One connection's NTLM handshake (NTLM authenticates the connection, not a request)."""

    def __init__(self, bindings: GssChannelBindings | None) -> None:
        self._ctx = spnego.server(protocol="ntlm", channel_bindings=bindings)

    def step(self, token: bytes) -> tuple[bytes | None, str | None]:
        """(the token to send back, the logon name once the handshake completed)."""
        out = self._ctx.step(token)
        if self._ctx.complete:
            return out, self._ctx.client_principal
        return out, None


def channel_bindings(cert_pem: bytes) -> GssChannelBindings:
    """tls-server-end-point bindings (RFC 5929) of the server's certificate."""
    cert = x509.load_pem_x509_certificate(cert_pem)
    algorithm = cert.signature_hash_algorithm
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(cert.public_bytes(Encoding.DER))
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest.finalize())
