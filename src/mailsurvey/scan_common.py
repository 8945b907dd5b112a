"""What the scan's runners (``scan``) and the probe's (``scan_probe``) share: how an
exception becomes a unit's reason and message, the credential a source's units share, the
organisation's domains, and the error that stops a scan before it starts."""

from __future__ import annotations

import imaplib
import socket
import ssl
from collections.abc import Sequence

import dns.exception
import dns.resolver
import requests
from exchangelib import errors as ews_errors
from ldap3.core import exceptions as ldap3_errors

from .collectors.ad import BindRejected
from .collectors.ews import Throttled
from .collectors.imap import NotAttempted
from .collectors.imap_session import AuthRejected, TlsUnavailable
from .collectors.mail_files import UnreadableFile, reason_for_errno
from .collectors.mail_files_read import DamagedFile
from .config import (
    Account,
    ActiveDirectorySource,
    DnsSource,
    ExchangeExportSource,
    ExchangeSource,
    ImapSource,
    MailFilesSource,
)
from .model import AcceptedDomain, Reason
from .secrets import Secret, SecretError, SecretRef, resolve
from .store import Store


def classify(exc: BaseException) -> tuple[Reason, str]:
    """The one place where an exception becomes a unit's reason and message.

    Messages carry the server's words and our context, never a credential: no exception
    raised by mailsurvey holds one, and login errors carry only the server's answer.
    """
    text = str(exc) or type(exc).__name__
    match exc:
        case AuthRejected() | BindRejected() | ews_errors.UnauthorizedError():
            return Reason.AUTH, f"the server rejected the credential: {text}"
        case NotAttempted():
            return Reason.AUTH, text
        case SecretError():
            return Reason.CREDENTIAL_MISSING, text
        case Throttled():
            return Reason.THROTTLED, text
        case ews_errors.ErrorNonExistentMailbox():
            return Reason.VANISHED, f"the mailbox does not exist: {text}"
        case (
            ews_errors.ErrorImpersonateUserDenied()
            | ews_errors.ErrorAccessDenied()
            | ews_errors.ErrorItemNotFound()
        ):
            return Reason.PERMISSION, f"not allowed: {text}"
        case ews_errors.ErrorMailboxMoveInProgress() | ews_errors.ErrorMailboxStoreUnavailable():
            return Reason.UNAVAILABLE, f"the mailbox is not available now: {text}"
        case requests.exceptions.SSLError():
            return Reason.TLS, f"TLS failed: {text}"
        case ews_errors.ResponseMessageError():  # a TransportError in exchangelib's tree
            return Reason.PROTOCOL, f"the server refused a request: {text}"
        case ews_errors.TransportError() | requests.ConnectionError():
            return Reason.CONNECT, f"cannot connect: {text}"
        case ews_errors.EWSError():
            return Reason.PROTOCOL, f"the server refused a request: {text}"
        case ldap3_errors.LDAPSocketOpenError() if "ssl" in text.lower():
            return Reason.TLS, f"TLS failed: {text}"
        case ldap3_errors.LDAPSocketOpenError() | ldap3_errors.LDAPStartTLSError():
            return Reason.CONNECT, f"cannot connect: {text}"
        case ldap3_errors.LDAPSocketReceiveError() | ldap3_errors.LDAPResponseTimeoutError():
            return Reason.TIMEOUT, f"no answer in time: {text}"
        case ldap3_errors.LDAPSessionTerminatedByServerError():
            return Reason.DISCONNECTED, f"the server closed the connection: {text}"
        case ldap3_errors.LDAPInsufficientAccessRightsResult():
            return Reason.PERMISSION, f"not allowed: {text}"
        case ldap3_errors.LDAPException():
            return Reason.PROTOCOL, f"the directory refused a request: {text}"
        case dns.resolver.NoNameservers():
            return _dns_reason(exc)
        case dns.exception.Timeout():
            return Reason.TIMEOUT, f"no DNS answer in time: {text}"
        case UnreadableFile():
            return reason_for_errno(exc.errno), f"cannot read: {text}"
        case DamagedFile():
            return Reason.PROTOCOL, f"damaged or not a mail file: {text}"
        case ssl.SSLCertVerificationError():
            return (
                Reason.TLS,
                f"certificate not trusted: {getattr(exc, 'verify_message', None) or text}",
            )
        case TlsUnavailable() | ssl.SSLError():
            return Reason.TLS, f"TLS failed: {text}"
        case socket.timeout() | TimeoutError():
            return Reason.TIMEOUT, f"no answer in time: {text}"
        case imaplib.IMAP4.abort() | ConnectionResetError() | BrokenPipeError():
            return Reason.DISCONNECTED, f"the server closed the connection: {text}"
        case ConnectionRefusedError() | socket.gaierror():
            return Reason.CONNECT, f"cannot connect: {text}"
        case OSError():
            return Reason.CONNECT, f"network error: {text}"
        case imaplib.IMAP4.error():
            low = text.lower()
            if "nonexistent" in low or "doesn't exist" in low or "does not exist" in low:
                return Reason.VANISHED, f"the folder no longer exists: {text}"
            if "noperm" in low or "permission" in low:
                return Reason.PERMISSION, f"not allowed: {text}"
            return Reason.PROTOCOL, f"the server refused a command: {text}"
    return Reason.INTERNAL, f"unexpected {type(exc).__name__}: {text}"


def _dns_reason(exc: dns.resolver.NoNameservers) -> tuple[Reason, str]:
    """No nameserver answered usefully: unreachable (CONNECT) when every one failed at the
    socket, else their answer (SERVFAIL, REFUSED: PROTOCOL)."""
    errors = exc.kwargs.get("errors") or []
    unreachable = bool(errors) and all(isinstance(e[3], OSError) for e in errors)
    if unreachable:
        return Reason.CONNECT, f"cannot reach the nameserver: {exc}"
    return Reason.PROTOCOL, f"no nameserver gave an answer: {exc}"


class FatalScanError(Exception):
    """The scan cannot start (e.g. a shared credential cannot be obtained)."""


def shared_secret(
    src: ImapSource
    | ActiveDirectorySource
    | ExchangeSource
    | DnsSource
    | ExchangeExportSource
    | MailFilesSource,
    interactive: bool,
) -> Secret | None:
    """The credential every unit of a source uses (master password, one token, the
    directory's bind password); resolved before the scan starts, so a prompt comes first."""
    if isinstance(src, DnsSource | ExchangeExportSource | MailFilesSource):
        return None  # public records, files: no credential
    if isinstance(src, ActiveDirectorySource):
        ref = src.secret_ref(f"{src.name} bind user {src.bind_user}", src.bind_user)
    elif isinstance(src, ExchangeSource) and src.auth.method == "oauth2":
        ref = src.auth.token_ref(f"{src.name} OAuth2 access token of {src.auth.user}")
    elif isinstance(src, ExchangeSource):
        ref = src.auth.secret_ref(f"{src.name} service account {src.auth.user}", src.auth.user)
    elif src.auth.method == "master":
        ref = src.auth.secret_ref(f"{src.name} master user {src.auth.user}", src.auth.user)
    elif src.auth.method == "xoauth2" and (src.auth.token_env or src.auth.token_file):
        ref = SecretRef(f"{src.name} XOAUTH2 token", src.auth.token_env, src.auth.token_file)
    else:
        return None
    try:
        return resolve(ref, interactive=interactive)
    except SecretError as exc:
        raise FatalScanError(str(exc)) from None


def accepted_domains(accounts: Sequence[Account], store: Store) -> frozenset[str]:
    """The organisation's domains: those of the mailboxes scanned, and the accepted domains
    a directory scan in the store found (a forward to any other domain leaves it)."""
    mine = {a.address.rsplit("@", 1)[-1].lower() for a in accounts if "@" in a.address}
    return frozenset(mine | {d.name.lower() for d in store.records(AcceptedDomain)})
