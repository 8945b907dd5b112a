"""The directory's sheets: Directory match, Identities, Shared mailboxes, Devices,
Exchange organisation, Directory readiness. Present only when a directory was scanned."""

from __future__ import annotations

from collections import Counter

from ..assess import idfix
from ..assess.join import MAILBOX_TYPES, join
from ..model import DirectoryFinding, Identity, Status
from ..store import Inventory
from .aggregate import MailboxTotals, utc_naive
from .i18n import MAILBOX_KIND_WORDS, N_, NOT_KNOWN, Word
from .views import Column, Kind, Table, Value

RECIPIENT_WORDS = {
    "user": Word("User mailbox"),
    "linked": Word("Linked mailbox"),
    "shared": Word("Shared mailbox"),
    "legacy": Word("Legacy mailbox"),
    "room": Word("Room mailbox"),
    "equipment": Word("Equipment mailbox"),
    "contact": Word("Mail contact"),
    "mail_user": Word("Mail user"),
    "group": Word("Mail-enabled group"),
    "remote_user": Word("Remote mailbox"),
    "remote_shared": Word("Remote shared mailbox"),
    "remote_room": Word("Remote room mailbox"),
    "remote_equipment": Word("Remote equipment mailbox"),
    "team": Word("Microsoft 365 group"),
}
INACTIVE_WORDS = {
    "account_disabled": Word("Account disabled"),
    "no_logon": Word("No logon recorded"),
    "stale_logon": Word("No recent logon"),
}
MATCH_WORDS = {"primary": Word("Primary address"), "proxy": Word("Alias (proxy address)")}
ACCESS_WORDS = {
    "allowed": Word("Allowed"),
    "blocked": Word("Blocked"),
    "quarantined": Word("Quarantined"),
    "device_discovery": Word("Device discovery"),
    "unknown": NOT_KNOWN,
}
DOMAIN_TYPE_WORDS = {
    "authoritative": Word("Authoritative"),
    "internal_relay": Word("Internal relay"),
    "external_relay": Word("External relay"),
}
RULE_WORDS = {
    "character": Word("Invalid character"),
    "format": Word("Format"),
    "topleveldomain": Word("Top-level domain"),
    "domainpart": Word("Domain part"),
    "localpart": Word("Local part"),
    "length": Word("Length"),
    "duplicate": Word("Duplicate"),
    "blank": Word("Blank"),
}
SERVER, DATABASE, DOMAIN = (
    Word("Exchange server"),
    Word("Mailbox database"),
    Word("Accepted domain"),
)
NO_MAILBOX = Word("Not scanned")
NO_OBJECT = Word("No directory object")


def _recipient(ident: Identity | None) -> Value:
    if ident is None or not ident.recipient_type:
        return None
    return RECIPIENT_WORDS.get(ident.recipient_type, ident.recipient_type)


def _address(ident: Identity) -> str | None:
    primary = next((p[5:] for p in ident.proxy_addresses if p.startswith("SMTP:")), None)
    return primary or ident.mail


def inactive_days(inv: Inventory) -> int:
    """The threshold the directory source was configured with (default 90)."""
    sources = inv.info.config_summary.get("sources") if inv.info else None
    for s in sources if isinstance(sources, list) else ():
        if isinstance(s, dict) and s.get("type") == "active_directory":
            days = s.get("inactive_days")
            if isinstance(days, int):
                return days
    return 90


def readiness(inv: Inventory) -> list[DirectoryFinding]:
    """IdFix's rules over the stored identities, one directory source at a time (IdFix's
    scope: duplicates within a forest). Computed at render time, so a re-render of an old
    scan uses the current rules."""
    findings: list[DirectoryFinding] = []
    for source in sorted({i.source for i in inv.identities}):
        findings += idfix.check(inv.identities, source=source)
    return findings


def directory_sheets(
    inv: Inventory, mailboxes: tuple[MailboxTotals, ...], findings: list[DirectoryFinding]
) -> tuple[Table, ...]:
    if not inv.identities and not inv.exchange_servers:
        # no directory scanned: shared mailboxes may be known from the accounts list or an
        # export, devices from an export (Exchange CSVs)
        shared = _shared_without_directory(inv, mailboxes)
        return tuple(
            t
            for t, present in ((shared, bool(shared.rows)), (_devices(inv), bool(inv.devices)))
            if present
        )
    return (
        _match(inv),
        _identities(inv),
        _shared(inv, mailboxes),
        _devices(inv),
        _exchange(inv),
        _readiness(findings),
    )


def _match(inv: Inventory) -> Table:
    rows = []
    scanned_any = bool(inv.mailboxes)
    for j in sorted(
        join(inv.mailboxes, inv.identities, inactive_days=inactive_days(inv)),
        key=lambda j: j.address.lower(),
    ):
        rows.append(
            (
                j.address,
                j.mailbox.source if j.mailbox else (NO_MAILBOX if scanned_any else None),
                j.identity.dn if j.identity else NO_OBJECT,
                MATCH_WORDS.get(j.matched_by or "") if j.matched_by else None,
                _recipient(j.identity),
                j.identity.enabled if j.identity else None,
                utc_naive(j.identity.last_logon) if j.identity else None,
                j.inactive,
                INACTIVE_WORDS.get(j.inactive_reason or "") if j.inactive_reason else None,
            )
        )
    columns = (
        Column("address", N_("Address"), width=32),
        Column("mailbox", N_("Scanned mailbox"), width=16, alert=frozenset({NO_MAILBOX})),
        Column("dn", N_("Directory object"), width=48, alert=frozenset({NO_OBJECT})),
        Column("matched_by", N_("Matched by"), width=18),
        Column("type", N_("Recipient type"), width=18),
        Column("enabled", N_("Enabled"), Kind.BOOL, 10),
        Column("last_logon", N_("Last logon"), Kind.DATE, 12),
        Column("inactive", N_("Inactive"), Kind.BOOL, 10, alert=frozenset({True})),
        Column("reason", N_("Why inactive"), width=20),
    )
    return Table("directory_match", N_("Directory match"), columns, tuple(rows), 1)


def _identities(inv: Inventory) -> Table:
    rows = tuple(
        (
            i.display_name,
            _address(i),
            _recipient(i),
            i.object_class,
            i.sam_account_name,
            i.upn,
            i.enabled,
            utc_naive(i.last_logon),
            i.hidden_from_gal,
            i.forwarding_to,
            i.deliver_and_redirect,
            i.dn,
            i.source,
        )
        for i in sorted(inv.identities, key=lambda i: i.dn.lower())
    )
    columns = (
        Column("display_name", N_("Display name"), width=28),
        Column("address", N_("Address"), width=32),
        Column("type", N_("Recipient type"), width=18),
        Column("class", N_("Object class"), width=10),
        Column("sam", N_("Logon name"), width=16),
        Column("upn", N_("User principal name"), width=32),
        Column("enabled", N_("Enabled"), Kind.BOOL, 10),
        Column("last_logon", N_("Last logon"), Kind.DATE, 12),
        Column("hidden", N_("Hidden from address list"), Kind.BOOL, 12),
        Column("forwarding", N_("Forwards to"), width=32),
        Column("redirect", N_("Also delivers to mailbox"), Kind.BOOL, 12),
        Column("dn", N_("Directory object"), width=48),
        Column("source", N_("Source"), width=14),
    )
    return Table("identities", N_("Identities"), columns, rows, 1)


def _shared(inv: Inventory, mailboxes: tuple[MailboxTotals, ...]) -> Table:
    totals = {t.address.lower(): t for t in mailboxes}
    grants = Counter((p.mailbox.lower(), p.rights) for p in inv.permissions)
    # mailboxes whose descriptor could not be read: their Full Access / Send As are unknown
    unread = {
        (o.mailbox or "").lower()
        for o in inv.observations
        if o.code == "unreadable_security_descriptor"
    }
    rows = []
    for i in sorted(inv.identities, key=lambda i: i.dn.lower()):
        if i.recipient_type not in MAILBOX_TYPES - {"user", "linked", "legacy"}:
            continue
        address = _address(i) or ""
        t = totals.get(address.lower())
        rows.append(
            (
                address or i.dn,
                i.display_name,
                _recipient(i),
                t.messages if t else None,
                t.bytes if t else None,
                None if i.dn.lower() in unread else grants[(address.lower(), "FullAccess")],
                None if i.dn.lower() in unread else grants[(address.lower(), "SendAs")],
                grants[(address.lower(), "SendOnBehalf")],
            )
        )
    columns = (
        Column("address", N_("Address"), width=32),
        Column("display_name", N_("Display name"), width=28),
        Column("type", N_("Recipient type"), width=18),
        Column("messages", N_("Messages"), Kind.INT, 12),
        Column("bytes", N_("Size"), Kind.BYTES, 12),
        Column("full_access", N_("Full Access grants"), Kind.INT, 12),
        Column("send_as", N_("Send As grants"), Kind.INT, 12),
        Column("send_on_behalf", N_("Send on Behalf grants"), Kind.INT, 12),
    )
    return Table("shared_mailboxes", N_("Shared mailboxes"), columns, tuple(rows), 1)


def _shared_without_directory(inv: Inventory, mailboxes: tuple[MailboxTotals, ...]) -> Table:
    """Shared, room and equipment mailboxes as the scan knows them (the kind the accounts
    list or the export gives), with who has rights on them (IMAP ACLs, EWS delegates,
    exported Full Access / Send As)."""
    grantees: dict[tuple[str, str], set[str]] = {}
    for p in inv.permissions:
        grantees.setdefault((p.source, p.mailbox.lower()), set()).add(p.grantee.lower())
    rows = tuple(
        (
            t.address,
            t.mailbox.display_name,
            MAILBOX_KIND_WORDS.get(t.mailbox.kind, t.mailbox.kind),
            t.messages,
            t.bytes,
            # a mailbox not read whole may have rights the scan did not see: unknown, not 0
            len(grantees.get((t.source, t.address.lower()), ()))
            if t.status is Status.OK and t.complete
            else None,
            t.source,
        )
        for t in mailboxes
        if t.mailbox is not None and t.mailbox.kind in ("shared", "room", "equipment")
    )
    columns = (
        Column("address", N_("Address"), width=32),
        Column("display_name", N_("Display name"), width=28),
        Column("type", N_("Type"), width=18),
        Column("messages", N_("Messages"), Kind.INT, 12),
        Column("bytes", N_("Size"), Kind.BYTES, 12),
        Column("grantees", N_("People or groups with rights"), Kind.INT, 12),
        Column("source", N_("Source"), width=14),
    )
    notes = (Word("No directory was scanned: the type comes from the accounts list or the export"),)
    return Table("shared_mailboxes", N_("Shared mailboxes"), columns, rows, 1, notes=notes)


def _devices(inv: Inventory) -> Table:
    owners = {i.dn.lower(): _address(i) or i.dn for i in inv.identities}
    rows = tuple(
        (
            owners.get(d.owner_dn.lower(), d.owner_dn),
            d.device_type,
            d.model,
            d.os,
            d.user_agent,
            utc_naive(d.first_sync),
            utc_naive(d.last_sync),
            ACCESS_WORDS.get(d.access_state or "", d.access_state),
            d.device_id,
            d.source,
        )
        for d in sorted(inv.devices, key=lambda d: (d.owner_dn.lower(), d.device_id))
    )
    columns = (
        Column("user", N_("User"), width=32),
        Column("type", N_("Device type"), width=14),
        Column("model", N_("Model"), width=18),
        Column("os", N_("Operating system"), width=18),
        Column("agent", N_("User agent"), width=24),
        Column("first_sync", N_("First sync"), Kind.DATETIME, 16),
        Column("last_sync", N_("Last sync"), Kind.DATETIME, 16),
        Column("access", N_("Access state"), width=14),
        Column("device_id", N_("Device ID"), width=24),
        Column("source", N_("Source"), width=14),
    )
    return Table("devices", N_("Devices"), columns, rows, 1)


def _exchange(inv: Inventory) -> Table:
    rows: list[tuple[Value, ...]] = []
    for s in sorted(inv.exchange_servers, key=lambda s: s.name.lower()):
        rows.append((SERVER, s.name, s.product or NOT_KNOWN, s.version, None, s.source))
    for db in sorted(inv.mailbox_databases, key=lambda d: d.name.lower()):
        rows.append((DATABASE, db.name, None, None, db.server, db.source))
    for dom in sorted(inv.accepted_domains, key=lambda d: d.name.lower()):
        kind = DOMAIN_TYPE_WORDS.get(dom.domain_type, dom.domain_type)
        rows.append((DOMAIN, dom.name, kind, None, dom.default, dom.source))
    columns = (
        Column("kind", N_("Type"), width=18),
        Column("name", N_("Name"), width=28),
        Column("product", N_("Product or domain type"), width=24),
        Column("version", N_("Version"), width=28),
        Column("detail", N_("Server or default domain"), width=28),
        Column("source", N_("Source"), width=14),
    )
    return Table("exchange", N_("Exchange organisation"), columns, tuple(rows))


def _readiness(findings: list[DirectoryFinding]) -> Table:
    rows = tuple(
        (f.dn, f.attribute, f.value, RULE_WORDS.get(f.rule, f.rule), f.fix, f.message, f.source)
        for f in sorted(findings, key=lambda f: (f.dn.lower(), f.attribute))
    )
    columns = (
        Column("dn", N_("Directory object"), width=48),
        Column("attribute", N_("Attribute"), width=20),
        Column("value", N_("Value"), width=32),
        Column("rule", N_("Rule"), width=16),
        Column("fix", N_("Suggested value"), width=32),
        Column("message", N_("Details"), width=48),
        Column("source", N_("Source"), width=14),
    )
    return Table("directory_readiness", N_("Directory readiness"), columns, rows)
