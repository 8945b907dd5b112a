"""Runs the throughput probe of the IMAP and Exchange sources into the store: after their
scan in ``scan.run_scan``, or alone (``run_probe``, 'mailsurvey probe') on a scan stored
before."""

from __future__ import annotations

from collections.abc import Sequence

from rich.progress import Progress

from .assess.methods import PROFILES
from .collectors.ews import ExchangeContext
from .collectors.ews_probe import probe_ews
from .collectors.imap import SourceContext
from .collectors.imap_probe import probe_imap
from .config import ExchangeSource, ImapSource, LoadedConfig
from .mailbox_list import from_directory
from .model import Identity, Unit, UnitKind
from .scan_common import FatalScanError, accepted_domains, classify, shared_secret
from .secrets import Secret
from .store import Store


def probe_concurrency(loaded: LoadedConfig) -> int:
    """The highest concurrency the probe tries: what the plan will run."""
    config = loaded.config
    method = PROFILES[config.plan.method]
    return config.probe.max_concurrency or config.plan.concurrency or method.default_concurrency


def probe_source(
    src: ImapSource | ExchangeSource,
    loaded: LoadedConfig,
    secret: Secret | None,
    store: Store,
    resume: bool,
    progress: Progress,
) -> Unit:
    """The probe (``collectors/imap_probe.py``, ``collectors/ews_probe.py``) of the
    mailboxes the scan read; with ``resume``, a probe that ended ok is kept."""
    if resume and src.name in store.ok_keys(src.name, UnitKind.PROBE):
        return store.unit(src.name, UnitKind.PROBE, src.name)
    task = progress.add_task(f"{src.name} probe", total=1)
    folders = store.folders(src.name)
    accounts = loaded.accounts[src.name]
    highest = probe_concurrency(loaded)
    if isinstance(src, ExchangeSource):
        if src.mailboxes == "from_ad":
            accounts = from_directory(store.records(Identity))
        if secret is None:  # shared_secret always gives one for an Exchange source
            raise FatalScanError(f"{src.name}: no password for the service account")
        ews = ExchangeContext(src, secret, classify, accepted_domains(accounts, store))
        unit, samples = probe_ews(ews, accounts, folders, loaded.config.probe, highest)
    else:
        imap = SourceContext(src, store, classify, shared_secret=secret)
        unit, samples = probe_imap(imap, accounts, folders, loaded.config.probe, highest)
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
        probe_source(s, loaded, shared_secret(s, interactive), store, False, progress)
        for s in sources
    ]
