"""Runs the collectors into the store with bounded concurrency, progress and resume."""

from __future__ import annotations

import imaplib
import socket
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime

import dns.exception
import dns.resolver
import requests
from exchangelib import errors as ews_errors
from ldap3.core import exceptions as ldap3_errors
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from . import __version__
from .assess.methods import PROFILES
from .collectors.ad import BindRejected, scan_directory
from .collectors.dns import forget_cached_answers, make_resolver, scan_domain
from .collectors.ews import ExchangeContext, Throttled, scan_mailbox
from .collectors.ews_probe import probe_ews
from .collectors.exchange_export import scan_export
from .collectors.imap import NotAttempted, SourceContext, scan_account
from .collectors.imap_probe import probe_imap
from .collectors.imap_session import AuthRejected, TlsUnavailable
from .collectors.mail_files import (
    DiscoveryError,
    FilesContext,
    UnreadableFile,
    discover,
    reason_for_errno,
    scan_mailbox_files,
)
from .collectors.mail_files_read import DamagedFile
from .config import (
    Account,
    ActiveDirectorySource,
    DnsSource,
    ExchangeExportSource,
    ExchangeSource,
    ImapSource,
    LoadedConfig,
    MailFilesSource,
)
from .mailbox_list import from_directory
from .model import AcceptedDomain, Identity, Reason, ScanInfo, Status, Unit, UnitKind
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


@dataclass
class ScanResult:
    counts: Counter[str] = field(default_factory=Counter)  # "<kind>:<status>" -> n
    failures: list[Unit] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return not self.failures


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


def run_scan(
    loaded: LoadedConfig,
    store: Store,
    *,
    resume: bool = False,
    only: Sequence[str] = (),
    show_progress: bool = True,
    interactive: bool = False,
    console: Console | None = None,
    probe: bool = True,
) -> ScanResult:
    """Scan the sources (all, or ``only``) into the store; then, unless ``probe`` is False
    or the config turns it off, the throughput probe of every IMAP and Exchange source."""
    config = loaded.config
    sources = [s for s in config.sources if not only or s.name in only]
    # directories first: an Exchange source may take its mailboxes from them (from_ad)
    sources.sort(key=lambda s: not isinstance(s, ActiveDirectorySource))
    unknown = set(only) - {s.name for s in config.sources}
    if unknown:
        raise FatalScanError(f"--only names no source in the config: {', '.join(sorted(unknown))}")
    secrets = {s.name: shared_secret(s, interactive) for s in sources}  # ask before starting
    store.write_info(
        ScanInfo(
            project=config.project,
            client=config.client,
            language=config.language,
            started=datetime.now(UTC),
            mailsurvey_version=__version__,
            config_summary=config.summary(),
        )
    )
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("units"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console or Console(stderr=True),
        disable=not show_progress,
    )
    with progress:
        for src in sources:
            if isinstance(src, ActiveDirectorySource):
                _scan_directory(src, secrets[src.name], store, resume, progress)
            elif isinstance(src, ExchangeSource):
                _scan_exchange(src, loaded, secrets[src.name], store, resume, progress)
                if probe and config.probe.enabled:
                    _probe_exchange(src, loaded, secrets[src.name], store, resume, progress)
            elif isinstance(src, DnsSource):
                _scan_dns(src, store, resume, progress)
            elif isinstance(src, ExchangeExportSource):
                _scan_export(src, loaded, store, progress)
            elif isinstance(src, MailFilesSource):
                _scan_mail_files(src, loaded, store, resume, progress)
            else:
                _scan_imap(src, loaded, secrets[src.name], store, resume, progress)
                if probe and config.probe.enabled:
                    _probe_imap(src, loaded, secrets[src.name], store, resume, progress)
    names = [s.name for s in sources]
    result = ScanResult()
    for (kind, status), n in store.unit_counts(names).items():
        result.counts[f"{kind}:{status}"] = n
    result.failures = store.units_where(names, (Status.FAILED, Status.PARTIAL))
    return result


def _scan_export(
    src: ExchangeExportSource, loaded: LoadedConfig, store: Store, progress: Progress
) -> None:
    """The export is read whole every time (files are cheap to read; a mailbox committed
    again replaces its rows, so --resume duplicates nothing)."""
    task = progress.add_task(src.name, total=None)
    scan_export(
        src,
        store,
        loaded.config.plan.timezone,
        lambda n: progress.update(task, total=n),
        lambda: progress.advance(task),
    )


def _scan_imap(
    src: ImapSource,
    loaded: LoadedConfig,
    secret: Secret | None,
    store: Store,
    resume: bool,
    progress: Progress,
) -> None:
    accounts = loaded.accounts[src.name]
    done_accounts = store.ok_keys(src.name, UnitKind.ACCOUNT) if resume else set()
    done_folders = store.ok_keys(src.name, UnitKind.FOLDER) if resume else set()
    todo = [a for a in accounts if a.address not in done_accounts]
    task = progress.add_task(src.name, total=len(accounts), completed=len(accounts) - len(todo))
    ctx = SourceContext(src, store, classify, shared_secret=secret)
    in_pool(src.name, src.concurrency, lambda a: scan_account(ctx, a, done_folders), todo,
            ctx.stop, lambda: progress.advance(task))  # fmt: skip


def in_pool(
    name: str,
    concurrency: int,
    work: Callable[[Account], object],
    accounts: Sequence[Account],
    stop: threading.Event,
    done: Callable[[], None],
) -> None:
    """``work`` on every account, ``concurrency`` at a time; on Ctrl-C the running ones
    are told to stop (``stop``) and nothing new starts."""
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix=name)
    try:
        for fut in as_completed([pool.submit(work, a) for a in accounts]):
            fut.result()
            done()
    except KeyboardInterrupt:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)


def _scan_exchange(
    src: ExchangeSource,
    loaded: LoadedConfig,
    secret: Secret | None,
    store: Store,
    resume: bool,
    progress: Progress,
) -> None:
    """The login check first (one request with the credential); a rejection fails every
    mailbox of the source at once, without another attempt. Then the mailboxes, each a
    unit of its own."""
    accounts = loaded.accounts[src.name]
    if src.mailboxes == "from_ad":  # the directory sources ran first (see run_scan)
        accounts = from_directory(store.records(Identity))
        if not accounts:
            raise FatalScanError(
                f"{src.name}: mailboxes: from_ad, but the directory scan found no mailbox "
                "(see its units); list the mailboxes in the config instead"
            )
    done = store.ok_keys(src.name, UnitKind.ACCOUNT) if resume else set()
    todo = [a for a in accounts if a.address not in done]
    task = progress.add_task(src.name, total=len(accounts), completed=len(accounts) - len(todo))
    if not todo:
        return
    if secret is None:  # shared_secret always gives one for an Exchange source
        raise FatalScanError(f"{src.name}: no password for the service account")
    ctx = ExchangeContext(src, secret, classify, accepted_domains(accounts, store))
    started = datetime.now(UTC)
    try:
        store.write_server(ctx.server())
    except Exception as exc:
        reason, message = classify(exc)
        for a in todo:
            note = message if a is todo[0] else f"not attempted: the login check failed: {message}"
            unit = Unit(src.name, UnitKind.ACCOUNT, a.address, Status.FAILED, reason, note,
                        started, datetime.now(UTC))  # fmt: skip
            store.finish_account(unit, None)
        progress.update(task, completed=len(accounts))
        return

    def one(account: Account) -> None:
        try:
            got = scan_mailbox(ctx, account)
        except Exception as exc:
            failed = Unit(src.name, UnitKind.ACCOUNT, account.address, Status.FAILED,
                          *classify(exc), started, datetime.now(UTC))  # fmt: skip
            store.finish_account(failed, None)
            return
        store.finish_mailbox(
            got.unit, got.mailbox, got.folders, got.permissions, got.observations, got.rules
        )

    in_pool(src.name, src.concurrency, one, todo, ctx.stop, lambda: progress.advance(task))


def accepted_domains(accounts: Sequence[Account], store: Store) -> frozenset[str]:
    """The organisation's domains: those of the mailboxes scanned, and the accepted domains
    a directory scan in the store found (a forward to any other domain leaves it)."""
    mine = {a.address.rsplit("@", 1)[-1].lower() for a in accounts if "@" in a.address}
    return frozenset(mine | {d.name.lower() for d in store.records(AcceptedDomain)})


def probe_concurrency(loaded: LoadedConfig) -> int:
    """The highest concurrency the probe tries: what the plan will run."""
    config = loaded.config
    method = PROFILES[config.plan.method]
    return config.probe.max_concurrency or config.plan.concurrency or method.default_concurrency


def _probe_imap(
    src: ImapSource,
    loaded: LoadedConfig,
    secret: Secret | None,
    store: Store,
    resume: bool,
    progress: Progress,
) -> Unit:
    if resume and src.name in store.ok_keys(src.name, UnitKind.PROBE):
        return store.unit(src.name, UnitKind.PROBE, src.name)
    task = progress.add_task(f"{src.name} probe", total=1)
    folders = store.folders(src.name)
    ctx = SourceContext(src, store, classify, shared_secret=secret)
    highest = probe_concurrency(loaded)
    unit, samples = probe_imap(
        ctx, loaded.accounts[src.name], folders, loaded.config.probe, highest
    )
    store.finish_probe(unit, samples)
    progress.update(task, completed=1)
    return unit


def _probe_exchange(
    src: ExchangeSource,
    loaded: LoadedConfig,
    secret: Secret | None,
    store: Store,
    resume: bool,
    progress: Progress,
) -> Unit:
    """The EWS probe (``collectors/ews_probe.py``) of the mailboxes the scan read."""
    if resume and src.name in store.ok_keys(src.name, UnitKind.PROBE):
        return store.unit(src.name, UnitKind.PROBE, src.name)
    task = progress.add_task(f"{src.name} probe", total=1)
    folders = store.folders(src.name)
    accounts = loaded.accounts[src.name]
    if src.mailboxes == "from_ad":
        accounts = from_directory(store.records(Identity))
    if secret is None:  # shared_secret always gives one for an Exchange source
        raise FatalScanError(f"{src.name}: no password for the service account")
    ctx = ExchangeContext(src, secret, classify, accepted_domains(accounts, store))
    highest = probe_concurrency(loaded)
    unit, samples = probe_ews(ctx, accounts, folders, loaded.config.probe, highest)
    store.finish_probe(unit, samples)
    progress.update(task, completed=1)
    return unit


def run_probe(
    loaded: LoadedConfig, store: Store, *, only: Sequence[str] = (), interactive: bool = False
) -> list[Unit]:
    """The probe alone, on sources the store already holds a scan of."""
    sources = [
        s
        for s in loaded.config.sources
        if isinstance(s, ImapSource | ExchangeSource) and (not only or s.name in only)
    ]
    missing = [s.name for s in sources if not store.folders(s.name)]
    if missing:
        raise FatalScanError(
            f"{store.path} holds no scanned folder of {', '.join(missing)}: the probe samples "
            "by the sizes the scan found; run 'mailsurvey scan' first"
        )
    progress = Progress(disable=True)
    return [
        _probe_exchange(s, loaded, shared_secret(s, interactive), store, False, progress)
        if isinstance(s, ExchangeSource)
        else _probe_imap(s, loaded, shared_secret(s, interactive), store, False, progress)
        for s in sources
    ]


def _scan_directory(
    src: ActiveDirectorySource,
    secret: Secret | None,
    store: Store,
    resume: bool,
    progress: Progress,
) -> None:
    done = store.ok_keys(src.name, UnitKind.PARTITION) if resume else set()
    task = progress.add_task(src.name, total=2, completed=len(done & {"domain", "configuration"}))
    if {"domain", "configuration"} <= done:
        return
    if secret is None:  # shared_secret always gives one for a directory
        raise FatalScanError(f"{src.name}: no bind password")
    scan_directory(src, secret, store, classify)
    progress.update(task, completed=2)


def _scan_dns(src: DnsSource, store: Store, resume: bool, progress: Progress) -> None:
    """One unit per domain: the listed ones, or (from_ad) the accepted domains the directory
    sources scanned before it found."""
    if src.domains == "from_ad":  # the directory sources ran first (see run_scan)
        domains = sorted({d.name.lower() for d in store.records(AcceptedDomain)})
        if not domains:
            raise FatalScanError(
                f"{src.name}: domains: from_ad, but the directory scan found no accepted "
                "domain (see its units); list the domains in the config instead"
            )
    else:
        domains = list(dict.fromkeys(src.domains))
    done = store.ok_keys(src.name, UnitKind.DOMAIN) if resume else set()
    todo = [d for d in domains if d not in done]
    task = progress.add_task(src.name, total=len(domains), completed=len(domains) - len(todo))
    forget_cached_answers()
    resolver = make_resolver(src.nameserver_addresses, src.timeout)
    for domain in todo:
        unit, record = scan_domain(
            src.name, domain, resolver, src.dkim_selectors, src.timeout, classify
        )
        store.finish_partition(unit, [record])
        progress.advance(task)


def _scan_mail_files(
    src: MailFilesSource, loaded: LoadedConfig, store: Store, resume: bool, progress: Progress
) -> None:
    """One unit per mailbox (a file or directory of ``src.path``), one per folder."""
    try:
        boxes = {b.address: b for b in discover(src)}
    except (DiscoveryError, OSError) as exc:
        raise FatalScanError(f"{src.name}: {src.path}: {exc}") from None
    accounts = [a for a in loaded.accounts[src.name] if a.address in boxes]
    done_accounts = store.ok_keys(src.name, UnitKind.ACCOUNT) if resume else set()
    done_folders = store.ok_keys(src.name, UnitKind.FOLDER) if resume else set()
    todo = [a for a in accounts if a.address not in done_accounts]
    task = progress.add_task(src.name, total=len(accounts), completed=len(accounts) - len(todo))
    ctx = FilesContext(src, store, classify)
    store.write_server(ctx.server(list(boxes.values())))
    in_pool(src.name, src.concurrency,
            lambda a: scan_mailbox_files(ctx, boxes[a.address], done_folders), todo,
            ctx.stop, lambda: progress.advance(task))  # fmt: skip
