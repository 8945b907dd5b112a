"""The throughput probe of an Exchange source: whole messages read over EWS, as migration
tools read them, at growing concurrency.

Tools that copy from Exchange over EWS (Google Workspace Migrate, third-party EWS tools)
open mailboxes side by side and download each item's MIME content with GetItem. So the
probe does exactly that, read-only (GetFolder, FindFolder, FindItem, GetItem: nothing
else), on 1, 2, 4, ... mailboxes at once up to the planned concurrency, within the
``probe:`` budget split evenly over the levels, like the IMAP probe (``probe_plan``).
Per connection, a setup: the mailbox's first request ("login"), two minimal GetFolder
round trips ("rtt"), its folder list ("request", one FindFolder) and, in up to four mail
folders, one page of item ids and sizes ("finditem": the scan gives folder totals, not
message sizes); then, once every connection of the level is set up, GetItem batches of
one size class at a time ("getitem_mime") until the level's budget is spent.

Throttling is waited out with the collector's policy (``ews.with_backoff``: the server's
BackOffMilliseconds or Retry-After) and is itself a finding: every back-off the server
asked for is a "backoff" sample (its seconds), the unit says which levels were throttled,
and a level's throughput counts the time spent waiting.
"""

from __future__ import annotations

import bisect
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from exchangelib import DELEGATE, IMPERSONATION
from exchangelib import Account as EwsAccount
from exchangelib.errors import ErrorServerBusy
from exchangelib.fields import FieldPath
from exchangelib.folders import Inbox, MsgFolderRoot, Root
from exchangelib.items import Item, Message
from exchangelib.properties import DistinguishedFolderId
from exchangelib.properties import Mailbox as EwsMailbox
from exchangelib.protocol import Protocol
from exchangelib.services import GetItem
from exchangelib.util import TNS

from ..config import Account, ProbeSettings
from ..model import SIZE_BUCKETS, Folder, ProbeSample, Reason, Status, Unit
from .ews import FOLDER_FIELDS, ExchangeContext, folder_fields, with_backoff
from .ews_services import BackOff, Folders, RawFindItem, RawGetFolder
from .probe_plan import MB, Budget, Level, ProbeUnit, in_sequence, outcome, run_levels

BATCH = 10  # items in one GetItem: enough to see the per-message cost apart
BATCH_BYTES = 16 * MB  # ... without one request eating a level's volume
SETUP_FOLDERS = 4  # mail folders a connection takes item sizes from
PAGE_ITEMS = 200  # item ids and sizes per folder (one FindItem page)
BATCHES_PER_TURN = 3  # batches of one size class before the next
GRACE_S = 30.0  # how long past its level's deadline a connection may wait out throttling
MIME = {FieldPath(field=Message.get_field_by_fieldname("mime_content"))}
SIZE = {FieldPath(field=Item.get_field_by_fieldname("size"))}


class RawGetItem(BackOff, GetItem):  # type: ignore[misc]
    """GetItem answering the item elements (the MIME content is counted, not parsed)."""

    def _elem_to_obj(self, elem: Any) -> Any:
        return elem


def mailbox_weights(folders: Iterable[Folder]) -> dict[str, int]:
    """The mailboxes whose mail folders the scan found holding mail, with their bytes."""
    out: dict[str, int] = {}
    for f in folders:
        mail = f.folder_class is None or f.folder_class.startswith("IPF.Note")
        if f.area == "mailbox" and mail and f.messages and f.bytes:
            out[f.mailbox] = out.get(f.mailbox, 0) + f.bytes
    return out


def probe_ews(
    ctx: ExchangeContext,
    accounts: list[Account],
    folders: list[Folder],
    settings: ProbeSettings,
    highest: int,
    *,
    seed: int = 1,
) -> tuple[Unit, list[ProbeSample]]:
    """Run the probe of one Exchange source; every outcome is a Unit, never an exception."""
    src = ctx.source
    started = datetime.now(UTC)
    unit = ProbeUnit(src.name, started)
    by_address = {a.address: a for a in accounts}
    weights = {a: w for a, w in mailbox_weights(folders).items() if a in by_address}
    if not weights:
        return unit(Status.SKIPPED, Reason.NONE, "no scanned mail folder holds a message"), []
    try:  # the login check: one request with the credential; a rejected one is not resent
        protocol = Protocol(config=ctx.config)
        _ = protocol.version
    except Exception as exc:
        return unit(Status.FAILED, *ctx.classify(exc)), []
    protocol.max_connections = max(protocol.max_connections or 1, highest)
    rng = random.Random(seed)
    budget = Budget.of(settings, highest)
    run = started.isoformat()

    def connections(level: Level, ready: threading.Barrier) -> list[Callable[[], None]]:
        boxes = _draw(weights, level.concurrency, rng)
        return [partial(_connection, ctx, box, level, run, ready) for box in boxes]

    done = run_levels(budget, ctx.stop, connections)
    samples = in_sequence(s for level in done for s in level.samples)
    errors = [e for level in done for e in level.errors if not isinstance(e, ErrorServerBusy)]
    measured = sum(any(s.kind == "getitem_mime" for s in level.samples) for level in done)
    throttled = []
    for level in done:
        waits = [s.seconds for s in level.samples if s.kind == "backoff"]
        if waits:
            throttled.append((level.concurrency, len(waits), max(waits)))
    steps = len(budget.steps)
    if throttled:  # the finding, before any error, stop or budget
        return _throttled(unit, steps, measured, throttled), samples
    end = outcome(unit, ctx.classify, ctx.stop, settings, steps, measured, errors, verb="read")
    return end, samples


def _throttled(
    unit: ProbeUnit, steps: int, measured: int, throttled: list[tuple[int, int, float]]
) -> Unit:
    said = "; ".join(
        f"{n} back-off{'s' if n > 1 else ''} at {c} connection{'s' if c > 1 else ''} "
        f"(up to {wait:g} s)"
        for c, n, wait in throttled
    )
    note = f"the server throttled the probe: {said}; {measured} of {steps} levels measured"
    return unit(Status.FAILED if not measured else Status.PARTIAL, Reason.THROTTLED, note)


def _draw(weights: dict[str, int], c: int, rng: random.Random) -> list[str]:
    """``c`` mailboxes, by their bytes, different ones as long as there are enough."""
    left = dict(weights)
    out = []
    for _ in range(c):
        if not left:
            left = dict(weights)
        box = rng.choices(list(left), weights=list(left.values()))[0]
        out.append(box)
        del left[box]
    return out


@dataclass
class _Stratum:
    """Items of one size class found in the connection's mailbox: (id, change key, size)."""

    bucket: int
    items: list[tuple[str, str, int]]
    next: int = 0

    def batch(self) -> list[tuple[str, str, int]]:
        out: list[tuple[str, str, int]] = []
        total = 0
        while len(out) < min(BATCH, len(self.items)):
            item = self.items[self.next % len(self.items)]
            if out and total + item[2] > BATCH_BYTES:
                break
            out.append(item)
            total += item[2]
            self.next += 1
        return out


Timed = Callable[[str, str, Callable[[], tuple[int, int]]], Any]


def _connection(
    ctx: ExchangeContext, address: str, level: Level, run: str, ready: threading.Barrier
) -> None:
    """One connection of a level, reading one mailbox: the setup, the barrier, the bulk."""
    src = ctx.source
    server = f"{src.host}:{src.effective_port}"
    seq = 0

    def record(kind: str, folder: str, figures: tuple[int, int], seconds: float,
               at: datetime) -> None:  # fmt: skip
        nonlocal seq
        seq += 1
        sample = ProbeSample(src.name, run, seq, level.concurrency, kind, address, folder,
                             *figures, seconds, at, server)  # fmt: skip
        with level.lock:
            level.samples.append(sample)

    def timed(kind: str, folder: str, call: Callable[[], tuple[int, int]]) -> None:
        """``call`` through the throttling policy; each attempt timed on its own, each
        back-off the server asked for kept as a sample of its own."""

        def attempt() -> None:
            at, t0 = datetime.now(UTC), time.perf_counter()
            try:
                figures = call()
            except ErrorServerBusy as exc:
                record("backoff", folder, (0, 0), float(exc.back_off or 0.0), at)
                raise
            record(kind, folder, figures, time.perf_counter() - t0, at)

        with_backoff(attempt, level.deadline + GRACE_S, level.stop)

    try:
        ews = EwsAccount(
            address,
            access_type=IMPERSONATION if src.access == "impersonation" else DELEGATE,
            config=ctx.config,
            autodiscover=False,
            default_timezone=None,
        )
        strata = _setup(ews, address, level, timed)
        level.wait_for_others(ready)
        _bulk(ews, strata, level, timed)
    except Exception as exc:
        ready.abort()  # the others go on without this connection
        with level.lock:
            level.errors.append(exc)


def _setup(ews: EwsAccount, address: str, level: Level, timed: Timed) -> list[_Stratum]:
    root = Root(account=ews)
    owner = EwsMailbox(email_address=address)
    top, inbox = (
        cls(_distinguished_id=DistinguishedFolderId(id=cls.DISTINGUISHED_FOLDER_ID, mailbox=owner),
            root=root)
        for cls in (MsgFolderRoot, Inbox)
    )  # fmt: skip

    def get(folders: list[Any]) -> tuple[int, int]:
        got = list(RawGetFolder(account=ews).call(folders=folders, additional_fields=set(),
                                                  shape="IdOnly"))  # fmt: skip
        for x in got:
            if isinstance(x, Exception):
                raise x
        return 0, 0

    timed("login", "", lambda: get([top, inbox]))
    timed("rtt", "", lambda: get([inbox]))
    timed("rtt", "", lambda: get([inbox]))
    listed: list[Any] = []

    def find_folders() -> tuple[int, int]:
        listed[:] = list(
            Folders(account=ews, page_size=1000).call(
                folders=[top], additional_fields=folder_fields(*FOLDER_FIELDS), restriction=None,
                shape="IdOnly", depth="Deep", max_items=None, offset=0,
            )
        )  # fmt: skip
        for x in listed:
            if isinstance(x, Exception):
                raise x
        return 0, 0

    timed("request", "", find_folders)
    chosen = _mail_folders(listed, random.Random(f"{address}\x00{level.concurrency}"))
    found: dict[int, list[tuple[str, str, int]]] = {}
    for folder, offset in chosen:
        if level.over:
            break
        page: list[tuple[str, str, int]] = []

        def find_items(f: Any = folder, at: int = offset, out: list[Any] = page) -> tuple[int, int]:
            out[:] = _item_sizes(
                RawFindItem(account=ews, page_size=PAGE_ITEMS).call(
                    folders=[f], additional_fields=SIZE, restriction=None, order_fields=None,
                    shape="IdOnly", query_string=None, depth="Shallow", calendar_view=None,
                    max_items=PAGE_ITEMS, offset=at,
                )
            )  # fmt: skip
            return len(out), 0

        timed("finditem", folder.name or "", find_items)
        for item in page:
            found.setdefault(bisect.bisect_right(SIZE_BUCKETS, item[2]), []).append(item)
    fitting = {b: v for b, v in found.items() if min(s for *_, s in v) * 4 <= level.volume}
    return [
        _Stratum(b, [i for i in v if i[2] * 4 <= level.volume]) for b, v in sorted(fitting.items())
    ]


def _mail_folders(listed: list[Any], rng: random.Random) -> list[tuple[Any, int]]:
    """Up to four mail folders with items, each with a page offset: the largest, the one
    with the largest and the one with the smallest items on average, one more by count."""
    mail = [
        f
        for f in listed
        if (f.folder_class or "IPF.Note").startswith("IPF.Note") and (f.total_count or 0) > 0
    ]
    if not mail:
        return []

    def average(f: Any) -> float:
        size = getattr(f, "mailsurvey_size", None)
        return float(size or 0) / float(f.total_count)

    picks = [max(mail, key=lambda f: f.total_count), max(mail, key=average),
             min(mail, key=average)]  # fmt: skip
    picks.append(rng.choices(mail, weights=[f.total_count for f in mail])[0])
    unique = list({f.id: f for f in picks}.values())[:SETUP_FOLDERS]
    return [(f, rng.randrange(max(1, f.total_count - PAGE_ITEMS + 1))) for f in unique]


def _item_sizes(found: Iterable[Any]) -> list[tuple[str, str, int]]:
    out = []
    for elem in found:
        if isinstance(elem, Exception):
            raise elem
        ident = elem.find(f"{{{TNS}}}ItemId")
        size = elem.findtext(f"{{{TNS}}}Size")
        if ident is not None and size and size.isdigit():
            out.append((ident.get("Id"), ident.get("ChangeKey"), int(size)))
    return out


def _bulk(ews: EwsAccount, strata: list[_Stratum], level: Level, timed: Timed) -> None:
    """GetItem batches back to back, a few of each size class in turn."""
    turn = 0
    while strata and not level.over:
        stratum = strata[turn % len(strata)]
        for _ in range(BATCHES_PER_TURN):
            if not _read(ews, stratum.batch(), level, timed):
                return
        turn += 1


def _read(ews: EwsAccount, batch: list[tuple[str, str, int]], level: Level, timed: Timed) -> bool:
    """One GetItem of ``batch`` with the MIME content, when the budget allows."""
    size = sum(s for *_, s in batch)
    if not batch or level.over or not level.reserve(size):
        return False
    got = (0, 0)

    def get() -> tuple[int, int]:
        nonlocal got
        answers = list(
            RawGetItem(account=ews).call(
                items=[(i, k) for i, k, _ in batch], additional_fields=MIME, shape="IdOnly"
            )
        )
        messages = octets = 0
        for elem in answers:
            if isinstance(elem, Exception):
                continue  # an item gone since FindItem: not read, not counted
            text = elem.findtext(f"{{{TNS}}}MimeContent") or ""
            messages += 1
            octets += len(text) * 3 // 4 - text[-2:].count("=")
        got = (messages, octets)
        return got

    try:
        timed("getitem_mime", "", get)
    finally:
        level.settle(size, got[1])
    return True
