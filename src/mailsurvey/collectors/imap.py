"""IMAP collector: one account at a time, each folder committed as it ends.

Per folder the figures come from the cheapest path the server offers: STATUS (often in
the LIST answer, LIST-STATUS) for counts and bytes (STATUS=SIZE), ESEARCH COUNT for the
size histogram and ESORT for the largest, oldest and newest message; a small folder, or a
server without those extensions, gets EXAMINE + FETCH RFC822.SIZE INTERNALDATE in batches.
"""

from __future__ import annotations

import imaplib
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from ..config import Account, ImapSource
from ..model import (
    SIZE_BUCKETS,
    Folder,
    Mailbox,
    Observation,
    Permission,
    Reason,
    Server,
    Status,
    Unit,
    UnitKind,
)
from ..secrets import Secret, SecretError, SecretRef, resolve
from ..store import folder_unit_key
from . import imap_parse as p
from .imap_gmail import X_GM_EXT, LabelTally
from .imap_session import AuthRejected, ImapSession, ssl_context


class Sink(Protocol):
    def write_server(self, server: Server) -> None: ...

    def finish_folder(
        self,
        unit: Unit,
        folder: Folder | None,
        permissions: list[Permission],
        observations: list[Observation],
    ) -> None: ...

    def finish_account(
        self,
        unit: Unit,
        mailbox: Mailbox | None,
        permissions: list[Permission],
        observations: list[Observation],
    ) -> None: ...


class NotAttempted(Exception):
    """A shared credential was rejected earlier in this scan: it is not tried again."""


class CredentialGate:
    """Lets one login try a shared credential first; after a rejection nobody tries it.

    Until the credential is known good, logins wait for the first attempt, so a wrong
    master password is sent exactly once, whatever the concurrency.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._state = "untested"  # untested | testing | accepted | rejected
        self._why = ""

    def attempt(self, login: Callable[[], None]) -> None:
        with self._cond:
            while self._state == "testing":
                self._cond.wait()
            if self._state == "rejected":
                raise NotAttempted(self._why)
            first = self._state == "untested"
            if first:
                self._state = "testing"
        if not first:
            login()
            return
        try:
            login()
        except AuthRejected as exc:
            self._settle("rejected", f"not tried: the same credential was rejected ({exc})")
            raise
        except BaseException:
            self._settle("untested", "")
            raise
        self._settle("accepted", "")

    def _settle(self, state: str, why: str) -> None:
        with self._cond:
            self._state, self._why = state, why
            self._cond.notify_all()


@dataclass
class SourceContext:
    """What every account of one source shares during a scan."""

    source: ImapSource
    sink: Sink
    classify: Callable[[BaseException], tuple[Reason, str]]
    shared_secret: Secret | None = None
    stop: threading.Event = field(default_factory=threading.Event)
    gate: CredentialGate = field(default_factory=CredentialGate)
    context: ssl.SSLContext = field(init=False)
    _server_lock: threading.Lock = field(default_factory=threading.Lock)
    _server_written: bool = False

    def __post_init__(self) -> None:
        s = self.source
        self.context = ssl_context(str(s.ca_file) if s.ca_file else None, not s.allow_insecure)

    def server_once(self, session: ImapSession) -> None:
        with self._server_lock:
            if self._server_written:
                return
            self._server_written = True
        software, version = p.server_software(session.server_id(), session.greeting)
        s = self.source
        self.sink.write_server(
            Server(
                source=s.name,
                host=s.host,
                port=s.effective_port,
                software=software,
                version=version,
                greeting=session.greeting,
                capabilities=tuple(sorted(session.capabilities())),
                security=s.security,
                tls_verified=not s.allow_insecure and s.security != "plain",
            )
        )


def now() -> datetime:
    return datetime.now(UTC)


def scan_account(ctx: SourceContext, account: Account, done_folders: set[str]) -> Unit:
    """Scan one account; every outcome is a Unit written to the sink, never an exception."""
    src = ctx.source
    started = now()
    mailbox = Mailbox(source=src.name, address=account.address, kind=account.kind)

    def end(status: Status, reason: Reason = Reason.NONE, message: str = "") -> Unit:
        unit = Unit(
            src.name, UnitKind.ACCOUNT, account.address, status, reason, message, started, now()
        )
        ctx.sink.finish_account(unit, mailbox, [], [])
        return unit

    try:
        session = ImapSession.connect(
            src.host,
            src.effective_port,
            src.security,
            ctx.context,
            src.connect_timeout,
            src.read_timeout,
        )
    except Exception as exc:
        return end(Status.FAILED, *ctx.classify(exc))
    try:
        login(ctx, session, account)
        ctx.server_once(session)
        mailbox, outcomes = _scan_mailbox(ctx, session, account, done_folders)
    except Exception as exc:
        session.close()
        return end(Status.FAILED, *ctx.classify(exc))
    session.logout()
    failed = [u for u in outcomes if u.status != Status.OK]
    if not failed:
        return end(Status.OK)
    first = failed[0]
    message = f"{len(failed)} of {len(outcomes)} folders not scanned; first: {first.message}"
    status = Status.FAILED if len(failed) == len(outcomes) else Status.PARTIAL
    return end(status, first.reason, message)


def login(ctx: SourceContext, session: ImapSession, account: Account) -> None:
    auth = ctx.source.auth
    if auth.method == "master":
        master: Secret | None = ctx.shared_secret
        if master is None or not auth.user:
            raise SecretError(f"{ctx.source.name}: no master credential")
        secret, admin = master, auth.user
        if auth.separator:
            user = f"{account.address}{auth.separator}{admin}"
            ctx.gate.attempt(lambda: session.login(user, secret))
        else:
            ctx.gate.attempt(lambda: session.login_plain(admin, account.address, secret))
        return
    if auth.method == "per_user":
        secret = resolve(
            SecretRef(
                f"{ctx.source.name} account {account.address}",
                account.password_env,
                account.password_file,
            ),
            interactive=False,
        )
        session.login(account.address, secret)
        return
    token = ctx.shared_secret
    if account.token_env or account.token_file:
        token = resolve(
            SecretRef(
                f"{ctx.source.name} token for {account.address}",
                account.token_env,
                account.token_file,
            ),
            interactive=False,
        )
    if token is None:
        raise SecretError(f"no XOAUTH2 token for {account.address}")
    bearer = token
    if bearer is ctx.shared_secret:  # one token for every account: try it once at a time
        ctx.gate.attempt(lambda: session.login_xoauth2(account.address, bearer))
    else:
        session.login_xoauth2(account.address, bearer)


def _scan_mailbox(
    ctx: SourceContext, session: ImapSession, account: Account, done: set[str]
) -> tuple[Mailbox, list[Unit]]:
    src = ctx.source
    caps = session.capabilities()
    namespaces = p.parse_namespaces(session.namespaces())
    quota = session.quota()
    items = ["MESSAGES", "UIDNEXT", "UIDVALIDITY"]
    if "STATUS=SIZE" in caps:
        items.append("SIZE")
    if "CONDSTORE" in caps:
        items.append("HIGHESTMODSEQ")
    entries, statuses = session.list_folders(tuple(items))
    foreign = [n.prefix for n in namespaces if n.kind != "personal" and n.prefix]
    entries = [e for e in entries if not _under_any(e.path, foreign)]
    delimiter = next((e.delimiter for e in entries if e.delimiter), None)
    mailbox = Mailbox(
        source=src.name,
        address=account.address,
        kind=account.kind,
        quota_root=quota.root if quota else None,
        quota_used_bytes=quota.used_bytes if quota else None,
        quota_limit_bytes=quota.limit_bytes if quota else None,
        quota_used_messages=quota.used_messages if quota else None,
        quota_limit_messages=quota.limit_messages if quota else None,
        quota_unlimited=quota is not None and quota.root is None,
        namespaces=namespaces,
        delimiter=delimiter,
    )
    # Gmail: every message's X-GM-MSGID, to count a message with several labels once
    tally = LabelTally() if X_GM_EXT in caps else None
    outcomes: list[Unit] = []
    if not any(e.path.upper() == "INBOX" for e in entries):
        # Every mailbox has an INBOX: not seeing it means the scan's identity lacks
        # rights, and what was listed would under-count the mailbox without a word.
        unit = Unit(
            src.name,
            UnitKind.FOLDER,
            folder_unit_key(account.address, "INBOX"),
            Status.FAILED,
            Reason.PERMISSION,
            "INBOX is not listed: the scan's login lacks rights on this mailbox (Dovecot "
            "with ACLs and a master user needs plugin { acl_user = %u })",
            now(),
            now(),
        )
        ctx.sink.finish_folder(unit, None, [], [])
        outcomes.append(unit)
    lost: tuple[Reason, str] | None = None
    for entry in entries:
        key = folder_unit_key(account.address, entry.path)
        if key in done:
            continue
        started = now()
        if ctx.stop.is_set():
            lost = lost or (Reason.INTERRUPTED, "the scan was stopped")
        if lost:
            unit = Unit(
                src.name,
                UnitKind.FOLDER,
                key,
                Status.FAILED,
                lost[0],
                f"not scanned: {lost[1]}",
                started,
                now(),
            )
            ctx.sink.finish_folder(unit, None, [], [])
            outcomes.append(unit)
            continue
        try:
            status = statuses.get(entry.path)
            folder, perms, obs = _scan_folder(
                ctx, session, account, entry, status, tuple(items), tally
            )
        except Exception as exc:
            reason, message = ctx.classify(exc)
            if _connection_gone(exc):
                lost = (reason, f"the connection was lost at folder {entry.path!r}")
            unit = Unit(
                src.name, UnitKind.FOLDER, key, Status.FAILED, reason, message, started, now()
            )
            ctx.sink.finish_folder(unit, None, [], [])
        else:
            unit = Unit(src.name, UnitKind.FOLDER, key, Status.OK, started=started, finished=now())
            ctx.sink.finish_folder(unit, folder, perms, obs)
        outcomes.append(unit)
    whole = len(outcomes) == len(entries) and all(u.status is Status.OK for u in outcomes)
    if tally is not None and whole:  # a folder not read in this pass: unknown, not fewer
        mailbox = tally.counted(mailbox)
    return mailbox, outcomes


def _under_any(path: str, prefixes: list[str]) -> bool:
    return any(path.startswith(pre) or path == pre.rstrip("/.") for pre in prefixes)


def _connection_gone(exc: BaseException) -> bool:
    return isinstance(exc, imaplib.IMAP4.abort | OSError | socket.timeout)


def _scan_folder(
    ctx: SourceContext,
    session: ImapSession,
    account: Account,
    entry: p.ListEntry,
    status: dict[str, int] | None,
    items: tuple[str, ...],
    tally: LabelTally | None = None,
) -> tuple[Folder, list[Permission], list[Observation]]:
    src = ctx.source
    base = Folder(
        source=src.name,
        mailbox=account.address,
        path=entry.path,
        delimiter=entry.delimiter,
        depth=p.folder_depth(entry.path, entry.delimiter),
        flags=entry.flags,
        special_use=p.special_use(entry.path, entry.flags),
        noselect=entry.noselect,
    )
    if entry.noselect:
        return base, [], []
    if status is None:
        status = session.status(entry.path, items)
    observations: list[Observation] = []
    figures = _figures(ctx, session, account, entry.path, status, observations, tally)
    permissions = _permissions(ctx, session, account, entry.path)
    folder = Folder(**{**base.__dict__, **figures})
    return folder, permissions, observations


def _figures(
    ctx: SourceContext,
    session: ImapSession,
    account: Account,
    path: str,
    status: dict[str, int],
    observations: list[Observation],
    tally: LabelTally | None = None,
) -> dict[str, object]:
    def mismatch(message: str) -> None:
        observations.append(
            Observation(ctx.source.name, account.address, path, "count_mismatch", message)
        )

    listed = status.get("MESSAGES")
    if listed == 0:
        return {
            "uidvalidity": status.get("UIDVALIDITY"),
            "uidnext": status.get("UIDNEXT"),
            "highestmodseq": status.get("HIGHESTMODSEQ"),
            "messages": 0,
            "bytes": 0,
            "histogram": (0,) * (len(SIZE_BUCKETS) + 1),
            "method": "status",
        }
    opened = session.examine(path)
    exists = opened.get("EXISTS", 0)
    fixed = {
        "uidvalidity": opened.get("UIDVALIDITY", status.get("UIDVALIDITY")),
        "uidnext": opened.get("UIDNEXT", status.get("UIDNEXT")),
        "highestmodseq": opened.get("HIGHESTMODSEQ", status.get("HIGHESTMODSEQ")),
    }
    if listed is not None and listed != exists:
        mismatch(f"STATUS said {listed} messages, EXAMINE found {exists}")
    # The server counts for us when it can: about ten small commands whatever the size
    # of the folder, where FETCH costs a line per message to transfer and parse. Its
    # byte count (STATUS SIZE) is only usable if the folder did not change meanwhile.
    if (
        ctx.source.count_method == "auto"
        and tally is None
        and listed == exists
        and "SIZE" in status
        and {"ESEARCH", "ESORT"} <= session.capabilities()
    ):
        return {**fixed, **_server_counts(session, exists, status["SIZE"])}
    figures = _read_every_message(session, exists, ctx.source.fetch_batch, tally)
    if figures["messages"] != exists:
        mismatch(f"EXAMINE found {exists} messages, FETCH returned {figures['messages']}")
    return {**fixed, **figures}


def _server_counts(session: ImapSession, exists: int, size: int) -> dict[str, object]:
    """ESEARCH COUNT per histogram bound and ESORT for the extremes (pipelined), then one
    FETCH of at most three messages."""
    counts = session.server_counts()
    hist = p.histogram_from_counts(exists, counts.at_least)
    uids = {"oldest": counts.oldest_uid, "newest": counts.newest_uid, "largest": counts.largest_uid}
    got = session.fetch_uids(sorted({u for u in uids.values() if u is not None}))
    pick = {k: got.get(u) if u is not None else None for k, u in uids.items()}
    return {
        "messages": exists,
        "bytes": size,
        "largest": pick["largest"][0] if pick["largest"] else None,
        "oldest": _utc(pick["oldest"][1]) if pick["oldest"] else None,
        "newest": _utc(pick["newest"][1]) if pick["newest"] else None,
        "histogram": hist,
        "method": "status+search",
    }


def _read_every_message(
    session: ImapSession, exists: int, batch: int, tally: LabelTally | None = None
) -> dict[str, object]:
    agg = p.SizeAggregate()
    if tally is None:
        for size, when in session.fetch_all(exists, batch):
            agg.add(size, when)
    else:
        for size, when, msgid in session.fetch_all_gmail(exists, batch):
            agg.add(size, when)
            tally.add(msgid, size)
    return {
        "messages": agg.messages,
        "bytes": agg.bytes,
        "largest": agg.largest,
        "oldest": agg.oldest,
        "newest": agg.newest,
        "histogram": tuple(agg.histogram),
        "method": "fetch",
    }


def _utc(when: datetime | None) -> datetime | None:
    return p.as_utc(when) if when else None


def _permissions(
    ctx: SourceContext, session: ImapSession, account: Account, path: str
) -> list[Permission]:
    if not session.has("ACL"):
        return []
    name = ctx.source.name
    owner = account.address.lower()
    try:
        entries = session.getacl(path)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error:
        rights = session.myrights(path)
        who = ctx.source.auth.user or account.address
        return [Permission(name, account.address, path, who, rights, "imap_myrights")]
    return [
        Permission(name, account.address, path, who, rights, "imap_acl")
        for who, rights in entries
        if who.lower() not in (owner, "owner")
    ]
