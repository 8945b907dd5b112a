"""The About sheet: which mailsurvey made the scan and the report, when, with which
settings (the config as the scan stored it: secrets only as references), and how each
figure was obtained, as the collectors and the assessment actually do it.

The config summary never holds a secret (``Config.summary``); a key that reads like one
and is not a reference (``*_env``, ``*_file``, ``*_keyring``) is still hidden here, so a
future setting cannot leak through this sheet.
"""

from __future__ import annotations

import re
from datetime import datetime

from .. import __version__
from ..store import Inventory
from .aggregate import utc_naive
from .i18n import N_, Phrase, Word
from .views import Column, Kind, Table, Value

NOT_SET = Word("not set")
HIDDEN = Word("(hidden)")
_SECRET_KEY = re.compile(r"password|secret|token|passphrase|credential|private_key", re.I)
_REFERENCE_KEY = re.compile(r"_(env|file|keyring)$")
_EVERY = "any"  # a method row shown whatever the sources
# A list of mailboxes or accounts longer than this is one row that points to the sheet
# listing them (a CSV of 200 addresses would otherwise fill pages of the About sheet).
LIST_ROWS = 5
_MAILBOX_LISTS = frozenset({"accounts", "mailboxes"})
ENTRIES = N_("%(count)s entries \u2014 see the %(sheet)s sheet")

# (source type, figure, how it was obtained, read from): msgids, as the collectors do it.
METHODS: tuple[tuple[str, str, str, str], ...] = (
    (
        "imap",
        N_("IMAP mailboxes"),
        N_(
            "The accounts the config lists (accounts: a CSV file or a list), each logged in"
            " to (master user, its own password or an XOAUTH2 token); folders are opened"
            " with EXAMINE, never SELECT, so nothing is marked read."
        ),
        N_("IMAP server, config"),
    ),
    (
        "imap",
        N_("IMAP folders"),
        N_(
            "LIST of the personal namespace (other users' and shared namespaces left out),"
            " with the STATUS of every folder in the same answer where the server offers"
            " LIST-STATUS."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP messages and size of a folder"),
        N_(
            "The server's own figures (STATUS MESSAGES and SIZE) where it offers STATUS=SIZE,"
            " ESEARCH and ESORT and the folder did not change meanwhile; otherwise, or with"
            " count_method: fetch, the sum of RFC822.SIZE of every message (FETCH RFC822.SIZE"
            " INTERNALDATE in batches). The Folders sheet's Method column says which."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP message sizes, largest, oldest and newest message"),
        N_(
            "With the server's figures: UID SEARCH RETURN (COUNT) LARGER per size class and"
            " UID SORT RETURN (MIN MAX) by arrival and size, then the size and INTERNALDATE"
            " of those messages; otherwise counted from every message's RFC822.SIZE and"
            " INTERNALDATE. Dates are when the server received the message, in UTC."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP quota"),
        N_(
            "GETQUOTAROOT INBOX: the STORAGE (units of 1024 bytes) and MESSAGE resources of"
            " its quota root; no quota root means no limit. Unknown where the server does"
            " not offer QUOTA."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP permissions"),
        N_(
            "GETACL of every folder where the server offers ACL (the owner's own entry left"
            " out); where GETACL is refused, MYRIGHTS: the rights of the scan's login."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP server software and version"),
        N_("The ID command's answer where the server offers ID, otherwise its greeting."),
        N_("IMAP server"),
    ),
    (
        "exchange",
        N_("Exchange mailboxes"),
        N_(
            "The mailboxes the config lists, or with mailboxes: from_ad the directory's"
            " mailbox users; read over EWS by impersonation or as a delegate, with Get and"
            " Find operations only."
        ),
        N_("Exchange (EWS), config or directory"),
    ),
    (
        "exchange",
        N_("Exchange folders and sizes"),
        N_(
            "One deep FindFolder under the top of the mailbox, the online archive and both"
            " Recoverable Items: each folder's class, item count (TotalCount) and size"
            " (PR_MESSAGE_SIZE_EXTENDED, 0x0E08). Message size classes, oldest and newest"
            " are not read (unknown)."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "exchange",
        N_("Exchange items over 35 MB"),
        N_(
            "A FindItem restricted to items whose PR_MESSAGE_SIZE (0x0E08) is over 35 MB, only"
            " in folders large enough to hold one."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "exchange",
        N_("Exchange permissions and delegates"),
        N_(
            "The permissions of the top of the mailbox, Inbox and Calendar (GetFolder); the"
            " delegates with their folder rights (GetDelegate)."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "exchange",
        N_("Inbox rules"),
        N_(
            "GetInboxRules per mailbox; a rule forwards outside when a recipient's SMTP"
            " address is outside the organisation's accepted domains."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "active_directory",
        N_("Directory identities"),
        N_(
            "A paged LDAP search (read only) under base_dn for users, groups and contacts:"
            " addresses (mail, proxyAddresses), recipient type (msExchRecipientTypeDetails),"
            " account state, forwarding, group members."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Last logon and inactive mailboxes"),
        N_(
            "lastLogonTimestamp, which a domain controller updates only once it is 9 to 14"
            " days old (by default), so it may lag the real last logon; a user mailbox whose"
            " account is disabled or whose last logon is older than inactive_days is inactive"
            " (shared, room and equipment mailboxes never are)."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Full Access, Send As, Send on Behalf"),
        N_(
            "Full Access: the allow entries of msExchMailboxSecurityDescriptor (SELF left"
            " out) and msExchDelegateListLink (automapping); Send As: allow entries for the"
            " Send-As extended right in the nTSecurityDescriptor's DACL; Send on Behalf:"
            " publicDelegates."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Devices"),
        N_(
            "The msExchActiveSyncDevice objects under base_dn; the owner is the user the"
            " device's container belongs to."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Exchange servers, databases, accepted domains"),
        N_(
            "The configuration partition under CN=Microsoft Exchange,CN=Services:"
            " msExchExchangeServer (version from serialNumber), msExchMDB and"
            " msExchAcceptedDomain objects."
        ),
        N_("Active Directory"),
    ),
    (
        _EVERY,
        N_("Coverage"),
        N_(
            "Every account, folder, directory partition and probe is one unit that ends ok,"
            " partial, failed or skipped with a reason; a figure of a unit not read is"
            " unknown, never 0."
        ),
        N_("The scan itself"),
    ),
    (
        _EVERY,
        N_("Forecast (P50, P90)"),
        N_(
            "The throughput probe downloads a sample of whole messages (BODY.PEEK[]),"
            " chosen by size class, on growing numbers of connections; costs per request,"
            " message and byte are fitted from the timings. The method profile adds how the"
            " method uses the link and the target's caps; the mailboxes are scheduled"
            " longest first. P90: the wider of the fit's bootstrap and the method's measured"
            " error."
        ),
        N_("IMAP server (probe), method profile"),
    ),
    (
        _EVERY,
        N_("Start moment and timeline"),
        N_(
            "Back from the cutover: the final delta's P90, a margin (4 h or 10 % of the bulk"
            " copy's P90) and the bulk copy's P90; the start is moved earlier to a working"
            " moment (working hours, a weekday that is not a public holiday of the plan's"
            " country)."
        ),
        N_("Forecast, plan settings"),
    ),
    (
        _EVERY,
        N_("Waves"),
        N_(
            "Mailboxes that share rights (any permission above) move together; accounts"
            " joined to very many mailboxes are set aside; the groups are packed into waves"
            " that fit one migration window at the planned concurrency."
        ),
        N_("Permissions, forecast, plan settings"),
    ),
    (
        _EVERY,
        N_("Findings"),
        N_(
            "Each check compares the inventory with the target profile's published limits;"
            " a finding on figures not completely known says at least or unknown."
        ),
        N_("Inventory, target profiles"),
    ),
)


def _is_secret(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _REFERENCE_KEY.search(key)


def _leaf(value: object) -> Value:
    if value is None:
        return NOT_SET
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flatten(value: object, path: str = "", in_list: bool = False) -> list[tuple[str, Value]]:
    """(key path, value) rows of a config summary: ``sources[0].auth.user``; a list of
    plain values is one row; in a list's entries (accounts) only the keys that are set; a
    long list of mailboxes or accounts is one row that counts them; a secret-looking key
    that is not a reference is hidden."""
    name = path.rsplit(".", 1)[-1]
    if isinstance(value, list) and name in _MAILBOX_LISTS and len(value) > LIST_ROWS:
        entries = Phrase(ENTRIES, (("count", len(value)), ("sheet", Word("Mailboxes"))))
        return [(path, entries)]
    if isinstance(value, dict):
        rows: list[tuple[str, Value]] = []
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if in_list and item is None:
                continue
            if _is_secret(str(key)) and item is not None:
                rows.append((sub, HIDDEN))
            else:
                rows += flatten(item, sub)
        return rows
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return [(path, ", ".join(str(v) for v in value) if value else NOT_SET)]
        return [row for i, v in enumerate(value) for row in flatten(v, f"{path}[{i}]", True)]
    return [(path, _leaf(value))]


def _source_types(summary: dict[str, object]) -> set[str] | None:
    """The source types the config named; None when it is not known (every row shown)."""
    sources = summary.get("sources")
    if not isinstance(sources, list):
        return None
    types = {str(s.get("type")) for s in sources if isinstance(s, dict)}
    return types or None


def _methods(summary: dict[str, object]) -> Table:
    types = _source_types(summary)
    rows: tuple[tuple[Value, ...], ...] = tuple(
        (Word(figure), Word(method), Word(origin))
        for kind, figure, method, origin in METHODS
        if types is None or kind == _EVERY or kind in types
    )
    columns = (
        Column("figure", N_("Figure"), width=30),
        Column("method", N_("How it was obtained"), width=90),
        Column("origin", N_("Read from"), width=28),
    )
    return Table("figure_methods", N_("How each figure was obtained"), columns, rows)


def _config(summary: dict[str, object]) -> Table:
    rows = tuple(flatten(summary))
    columns = (
        Column("setting", N_("Setting"), width=40),
        Column("value", N_("Value"), width=60),
    )
    notes = () if rows else (Word("The scan stored no configuration."),)
    return Table(
        "config",
        N_("Configuration of the scan (secrets only as references)"),
        columns,
        rows,
        notes=notes,
    )


def about_sheet(inv: Inventory, generated: datetime) -> Table:
    """The last sheet: the run's facts, then how each figure was obtained, then the config."""
    info = inv.info
    summary = info.config_summary if info else {}
    rows: tuple[tuple[Value, ...], ...] = (
        (Word("mailsurvey version of the scan"), info.mailsurvey_version if info else None),
        (Word("mailsurvey version of this report"), __version__),
        (Word("Scan started (UTC)"), utc_naive(info.started) if info else None),
        (Word("Report generated (UTC)"), generated),
        (Word("Project"), info.project if info else None),
        (Word("Client"), info.client if info else None),
    )
    columns = (
        Column("item", N_("Item"), width=34),
        Column("value", N_("Value"), Kind.DATETIME, width=40),
    )
    return Table(
        "about",
        N_("About"),
        columns,
        rows,
        extras=(_methods(summary), _config(summary)),
    )
