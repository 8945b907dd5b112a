"""On-premises Exchange over EWS (exchangelib): the protocol calls of the EWS collector.

One service account reads every mailbox, by impersonation or as a delegate, with a
password (NTLM, Basic) or an OAuth2 access token obtained beforehand (``Authorization:
Bearer``, Hybrid Modern Authentication; sent as it is, never fetched or refreshed, so no
request goes to a token endpoint). The credential is checked once before any mailbox
(the version check): a rejected one is never sent again, whatever the number of
mailboxes (exchangelib's fault-tolerant policy would retry a 401 as "busy"; this
collector fails fast and does its own waiting). Per mailbox four requests: one GetFolder
of the four roots (the top of the information store, the archive's, both Recoverable
Items; a missing archive answers ErrorFolderNotFound), Inbox and Calendar, with the
permissions of the top, Inbox and Calendar; one deep FindFolder under the roots that
exist, with each folder's class, item count and size (PR_MESSAGE_SIZE_EXTENDED, 0x0E08);
GetInboxRules and GetDelegate (``ews_extras``); and a FindItem for large items only
where a folder is big enough to hold one. Throttling (ErrorServerBusy with its back-off,
503 with Retry-After, dropped connections) is waited out with jitter, within
``max_wait`` seconds per mailbox; then the mailbox fails as throttled and the others go
on.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import requests
from exchangelib import (
    BASIC,
    DELEGATE,
    IMPERSONATION,
    NTLM,
    OAUTH2,
    Account,
    Configuration,
    Credentials,
    ExtendedProperty,
    FailFast,
    Folder,
    OAuth2AuthorizationCodeCredentials,
)
from exchangelib.credentials import BaseCredentials
from exchangelib.errors import (
    ErrorFolderNotFound,
    ErrorInternalServerTransientError,
    ErrorServerBusy,
    ResponseMessageError,
    TransportError,
)
from exchangelib.fields import FieldPath
from exchangelib.folders import (
    ArchiveMsgFolderRoot,
    ArchiveRecoverableItemsRoot,
    Calendar,
    Inbox,
    MsgFolderRoot,
    RecoverableItemsRoot,
    Root,
)
from exchangelib.folders.base import BaseFolder
from exchangelib.properties import DistinguishedFolderId
from exchangelib.properties import Mailbox as EwsMailbox
from exchangelib.protocol import BaseProtocol, Protocol

from ..config import Account as ConfigAccount
from ..config import ExchangeSource
from ..model import Folder as FolderRecord
from ..model import (
    InboxRule,
    Mailbox,
    Observation,
    Permission,
    Reason,
    Server,
    Status,
    Unit,
    UnitKind,
)
from ..secrets import Secret
from . import ews_extras, ews_parse
from .ews_services import Folders, RawGetFolder

T = TypeVar("T")
PAGE = 1000  # folders per FindFolder page
ROOTS = (
    (MsgFolderRoot, "mailbox"),
    (ArchiveMsgFolderRoot, "archive"),
    (RecoverableItemsRoot, "recoverable"),
    (ArchiveRecoverableItemsRoot, "archive_recoverable"),
)
WELL_KNOWN = ((Inbox, "inbox"), (Calendar, "calendar"))  # asked for their permissions
Classify = Callable[[BaseException], tuple[Reason, str]]


class FolderSize(ExtendedProperty):  # type: ignore[misc]
    """PR_MESSAGE_SIZE_EXTENDED: a folder's size in bytes."""

    property_tag = 0x0E08
    property_type = "Long"


_SIZE_FIELD = "mailsurvey_size"
if _SIZE_FIELD not in {f.name for f in Folder.FIELDS}:
    Folder.register(_SIZE_FIELD, FolderSize)


class Throttled(Exception):
    """The server kept asking to back off for longer than the mailbox may wait."""


class _Patient(FailFast):  # type: ignore[misc]
    """Fail fast (a 401 is a rejected credential, never "busy"), but keep the server's
    Retry-After on a 503 so the caller can honour it."""

    def raise_response_errors(self, response: Any) -> None:
        try:
            super().raise_response_errors(response)
        except ErrorInternalServerTransientError as exc:
            after = _retry_after(response)
            if after is not None:
                raise ErrorServerBusy(str(exc), back_off=after) from exc
            raise


def _retry_after(response: Any) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return None


class _TrustedAdapter(requests.adapters.HTTPAdapter):
    """Verifies each EWS endpoint's certificate with the CA its source names (or, when the
    source allows it, not at all). exchangelib takes one adapter class per process.

    Also: exchangelib parses every answer from ``response.iter_content()``, whose default
    chunk is one byte; the answers it builds here hand out 64 KiB chunks instead (in a
    profile the one-byte reads were over a third of a scan's CPU)."""

    endpoints: dict[str, str | bool] = {}  # noqa: RUF012 - shared on purpose: one per process

    def _verify(self, url: str, verify: Any) -> Any:
        for prefix, how in self.endpoints.items():
            if url.startswith(prefix):
                return how
        return verify

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        super().cert_verify(conn, url, self._verify(url, verify), cert)

    def get_connection_with_tls_context(
        self, request: Any, verify: Any, proxies: Any = None, cert: Any = None
    ) -> Any:
        how = self._verify(request.url, verify)
        return super().get_connection_with_tls_context(request, how, proxies, cert)

    def build_response(self, req: Any, resp: Any) -> Any:
        response = super().build_response(req, resp)
        read: Any = response.iter_content

        def iter_content(chunk_size: int | None = 1 << 16, decode_unicode: bool = False) -> Any:
            return read(chunk_size=chunk_size, decode_unicode=decode_unicode)

        response.iter_content = iter_content  # type: ignore[method-assign]
        return response


@dataclass
class ExchangeContext:
    """What every mailbox of one Exchange source shares during a scan."""

    source: ExchangeSource
    secret: Secret
    classify: Classify  # an exception as a unit's reason and message (``scan_common.classify``)
    # the organisation's domains: a rule that forwards elsewhere forwards outside
    accepted_domains: frozenset[str] = frozenset()
    stop: threading.Event = field(default_factory=threading.Event)
    config: Configuration = field(init=False)

    def __post_init__(self) -> None:
        s = self.source
        how: str | bool = str(s.ca_file) if s.ca_file else True
        _TrustedAdapter.endpoints[s.url.split("?")[0]] = False if s.allow_insecure else how
        BaseProtocol.HTTP_ADAPTER_CLS = _TrustedAdapter
        BaseProtocol.TIMEOUT = int(max(s.connect_timeout, s.read_timeout))
        credentials, auth_type = _credentials(s, self.secret)
        self.config = Configuration(
            service_endpoint=s.url,
            credentials=credentials,
            auth_type=auth_type,
            retry_policy=_Patient(),
            max_connections=s.concurrency,
        )

    def server(self) -> Server:
        """The login check: the first request (the version guess) with the credential."""
        version = Protocol(config=self.config).version
        build = version.build
        s = self.source
        return Server(
            source=s.name,
            host=s.host,
            port=s.effective_port,
            software="Microsoft Exchange",
            version=f"{version.fullname} ({build})" if build else version.fullname,
            greeting=None,
            capabilities=(f"EWS {version.api_version}",),
            security="tls" if s.url.startswith("https") else "plain",
            tls_verified=s.url.startswith("https") and not s.allow_insecure,
        )


def _credentials(source: ExchangeSource, secret: Secret) -> tuple[BaseCredentials, str]:
    """exchangelib's credentials and auth type for the source's method. An OAuth2 token
    goes in as an access token alone: without a client id and secret (and with a token in
    hand) exchangelib never asks a token endpoint; without an expiry it never declares the
    token expired before sending it (the server decides, and a 401 fails fast)."""
    method = source.auth.method
    if method == "oauth2":
        token = {"access_token": secret.reveal(), "token_type": "Bearer"}
        return OAuth2AuthorizationCodeCredentials(access_token=token), OAUTH2
    return Credentials(source.auth.user, secret.reveal()), NTLM if method == "ntlm" else BASIC


def with_backoff(call: Callable[[], T], deadline: float, stop: threading.Event) -> T:
    """``call()``, waiting out throttling and dropped connections until ``deadline``
    (monotonic): the server's back-off (or 1, 2, 4 ... s) plus up to 25 % jitter."""
    attempt = 0
    while True:
        try:
            return call()
        except ErrorServerBusy as exc:
            wait = exc.back_off if exc.back_off is not None else float(2**attempt)
            why = f"the server is busy ({exc})"
        except ResponseMessageError:
            raise  # the server's answer (a TransportError in exchangelib's tree): not transient
        except (ErrorInternalServerTransientError, TransportError, requests.ConnectionError) as exc:
            wait, why = float(2**attempt), f"the connection failed ({exc})"
        wait = min(wait, 300.0) * (1 + random.uniform(0, 0.25))
        if stop.is_set() or time.monotonic() + wait > deadline:
            raise Throttled(f"gave up waiting: {why}")
        attempt += 1
        time.sleep(wait)


def folder_fields(*names: str) -> set[FieldPath]:
    return {FieldPath(field=Folder.get_field_by_fieldname(n)) for n in names}


FOLDER_FIELDS = ("name", "folder_class", "total_count", "child_folder_count", _SIZE_FIELD)
TOP = "Top of Information Store"  # the permissions' name for the root of the mailbox area


@dataclass
class MailboxScan:
    """What one mailbox gave; ``unit`` says whether all of it (ok) or a part (partial)."""

    unit: Unit
    mailbox: Mailbox
    folders: list[FolderRecord]
    permissions: list[Permission]
    observations: list[Observation]
    rules: list[InboxRule]


def scan_mailbox(ctx: ExchangeContext, account: ConfigAccount) -> MailboxScan:
    """One mailbox in four requests (GetFolder, FindFolder, GetInboxRules, GetDelegate),
    plus a FindItem when a folder may hold an item over 35 MB, plus paging. The folders
    are the mailbox: their failure raises (the caller classifies it); a failure after
    them ends the mailbox partial, with what was read."""
    src = ctx.source
    started = datetime.now(UTC)
    deadline = time.monotonic() + src.max_wait
    ews = Account(
        account.address,
        access_type=IMPERSONATION if src.access == "impersonation" else DELEGATE,
        config=ctx.config,
        autodiscover=False,
        default_timezone=None,
    )
    root = Root(account=ews)
    owner = EwsMailbox(email_address=account.address)
    asked = (*ROOTS, *WELL_KNOWN)
    wanted = [
        cls(
            _distinguished_id=DistinguishedFolderId(id=cls.DISTINGUISHED_FOLDER_ID, mailbox=owner),
            root=root,
        )
        for cls, _ in asked
    ]
    fields = folder_fields(*FOLDER_FIELDS)
    answers = with_backoff(
        lambda: list(
            RawGetFolder(account=ews).call(
                folders=wanted,
                additional_fields=fields | folder_fields("permission_set"),
                shape="IdOnly",
            )
        ),
        deadline,
        ctx.stop,
    )
    problems: list[tuple[str, BaseException]] = []
    roots: dict[str, str] = {}
    found_roots = []
    shared: list[tuple[str | None, str, Any]] = []  # (id, name, element with a PermissionSet)
    for (_, area), answer in zip(asked, answers, strict=True):
        if area in ("inbox", "calendar"):
            if isinstance(answer, Exception):
                problems.append((f"permissions of the {area}", answer))
            else:
                shared.append((answer[0].id, answer[0].name or area, answer[1]))
            continue
        if isinstance(answer, ErrorFolderNotFound) and area != "mailbox":
            continue  # no archive (or no Recoverable Items visible): known, not a failure
        if isinstance(answer, Exception):
            raise answer
        folder, elem = answer
        roots[folder.id] = area
        found_roots.append(folder)
        if area == "mailbox":
            shared.append((None, TOP, elem))
    deep = fields | {FieldPath(field=BaseFolder.get_field_by_fieldname("parent_folder_id"))}
    listed = with_backoff(
        lambda: list(
            Folders(account=ews, page_size=PAGE).call(
                folders=found_roots,
                additional_fields=deep,
                restriction=None,
                shape="IdOnly",
                depth="Deep",
                max_items=None,
                offset=0,
            )
        ),
        deadline,
        ctx.stop,
    )
    for item in listed:
        if isinstance(item, Exception):
            raise item
    raw = [_raw(f) for f in listed]
    del listed
    where = ews_parse.places(roots, raw)
    address, name = account.address, src.name
    permissions = [
        p
        for key, fallback, elem in shared
        for p in ews_parse.folder_permissions(
            name, address, where[key][1] if key in where else fallback, elem
        )
    ]
    observations: list[Observation] = []
    rules: list[InboxRule] = []

    def retry(call: Callable[[], list[Any]]) -> list[Any]:
        return with_backoff(call, deadline, ctx.stop)

    try:
        rules = ews_extras.inbox_rules(ews, retry, name, address, ctx.accepted_domains)
    except Exception as exc:
        problems.append(("inbox rules", exc))
    try:
        permissions += ews_extras.delegates(ews, retry, name, address)
    except Exception as exc:
        problems.append(("delegates", exc))
    try:
        big = ews_extras.large_folders(raw)
        observations, failed = ews_extras.large_items(ews, retry, name, address, big, where)
        if failed is not None:
            problems.append(("items over 35 MB", failed))
    except Exception as exc:
        problems.append(("items over 35 MB", exc))
    mailbox = Mailbox(
        source=name, address=address, kind=account.kind, delimiter=ews_parse.SEPARATOR
    )
    status, reason, message = Status.OK, Reason.NONE, ""
    if problems:
        classified = [(what, *ctx.classify(exc)) for what, exc in problems]
        status, reason = Status.PARTIAL, classified[0][1]
        message = "; ".join(f"{what}: {text}" for what, _, text in classified)
    unit = Unit(name, UnitKind.ACCOUNT, address, status, reason, message, started,
                datetime.now(UTC))  # fmt: skip
    folders = ews_parse.folders(name, address, roots, raw)
    return MailboxScan(unit, mailbox, folders, permissions, observations, rules)


def _raw(f: Any) -> ews_parse.RawFolder:
    parent = f.parent_folder_id.id if f.parent_folder_id is not None else None
    size = getattr(f, _SIZE_FIELD, None)
    return ews_parse.RawFolder(
        id=f.id,
        parent_id=parent,
        name=f.name or "",
        kind=type(f).__name__,
        folder_class=f.folder_class,
        total_count=f.total_count,
        size=int(size) if size is not None else None,
        child_folder_count=f.child_folder_count,
    )
