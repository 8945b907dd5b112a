"""Runs the collectors into the store with bounded concurrency, progress and resume."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime

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
from .collectors.ad import scan_directory
from .collectors.dns import forget_cached_answers, make_resolver, scan_domain
from .collectors.ews import ExchangeContext, scan_mailbox
from .collectors.exchange_export import scan_export
from .collectors.imap import SourceContext, scan_account
from .collectors.mail_files import DiscoveryError, FilesContext, discover, scan_mailbox_files
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
from .model import AcceptedDomain, Identity, ScanInfo, Server, Status, Unit, UnitKind
from .scan_common import FatalScanError as FatalScanError
from .scan_common import accepted_domains
from .scan_common import classify as classify
from .scan_common import shared_secret as shared_secret
from .scan_probe import probe_source
from .scan_probe import run_probe as run_probe
from .secrets import Secret
from .store import Store


@dataclass
class ScanResult:
    counts: Counter[str] = field(default_factory=Counter)  # "<kind>:<status>" -> n
    failures: list[Unit] = field(default_factory=list)

    @property
    def all_ok(self) -> bool:
        return not self.failures


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
                    probe_source(src, loaded, secrets[src.name], store, resume, progress)
            elif isinstance(src, DnsSource):
                _scan_dns(src, store, resume, progress)
            elif isinstance(src, ExchangeExportSource):
                _scan_export(src, loaded, store, progress)
            elif isinstance(src, MailFilesSource):
                _scan_mail_files(src, loaded, store, resume, progress)
            else:
                _scan_imap(src, loaded, secrets[src.name], store, resume, progress)
                if probe and config.probe.enabled:
                    probe_source(src, loaded, secrets[src.name], store, resume, progress)
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
    servers = src.nameserver_addresses
    store.write_server(
        Server(
            source=src.name,
            host=", ".join(h for h, _ in servers) if servers else "system resolver",
            port=servers[0][1] if servers else 53,
            software="DNS",
            version=None,
            greeting=None,
            security="dns",
        )
    )
    resolver = make_resolver(servers, src.timeout)
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
