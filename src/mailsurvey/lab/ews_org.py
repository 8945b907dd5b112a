"""The Exchange view of the seeded organisation, as data: mailboxes, folder trees, items.

Built from ``org.standard()`` (or ``org.large()``): the IMAP lab's folders keep their message
counts and sizes (their items come from ``seed.plan_folder``, the generator the Maildir seed
writes), mapped to Exchange names (INBOX -> Inbox, Sent -> Sent Items, nested folders as
child folders). Exchange adds its default folders, calendars and contacts with items,
Recoverable Items, archive mailboxes for some, and a few Exchange-only mailboxes (rooms,
equipment). Permissions, rules and delegates are in ``ews_extras.py``. Deterministic; no I/O.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from . import ews_extras, org
from .base import DOMAIN
from .ews_extras import Delegate, Grant, Rule

IPM_ROOT = "Top of Information Store"
RECOVERABLE = "Recoverable Items"
MIB = org.MIB
# IMAP top-level folder -> (Exchange display name, distinguished folder id)
IMAP_TO_EWS: dict[str, tuple[str, str]] = {
    "INBOX": ("Inbox", "inbox"),
    "Sent": ("Sent Items", "sentitems"),
    "Drafts": ("Drafts", "drafts"),
    "Trash": ("Deleted Items", "deleteditems"),
    "Junk": ("Junk Email", "junkemail"),
}
# (name, distinguished id, folder class, XML element) of the default folders under IPM_ROOT
DEFAULT_FOLDERS: tuple[tuple[str, str, str, str], ...] = (
    ("Inbox", "inbox", "IPF.Note", "Folder"),
    ("Sent Items", "sentitems", "IPF.Note", "Folder"),
    ("Deleted Items", "deleteditems", "IPF.Note", "Folder"),
    ("Drafts", "drafts", "IPF.Note", "Folder"),
    ("Junk Email", "junkemail", "IPF.Note", "Folder"),
    ("Outbox", "outbox", "IPF.Note", "Folder"),
    ("Calendar", "calendar", "IPF.Appointment", "CalendarFolder"),
    ("Contacts", "contacts", "IPF.Contact", "ContactsFolder"),
    ("Tasks", "tasks", "IPF.Task", "TasksFolder"),
    ("Notes", "notes", "IPF.StickyNote", "Folder"),
    ("Journal", "journal", "IPF.Journal", "Folder"),
)
RECOVERABLE_FOLDERS: tuple[tuple[str, str | None], ...] = (
    ("Deletions", "recoverableitemsdeletions"),
    ("Purges", "recoverableitemspurges"),
    ("Versions", "recoverableitemsversions"),
    ("Audits", None),
    ("Calendar Logging", None),
    ("DiscoveryHolds", None),
)
# (item element, item class, subject) per folder class
ITEM_KINDS: dict[str | None, tuple[str, str, str]] = {
    "IPF.Appointment": ("CalendarItem", "IPM.Appointment", "Afspraak"),
    "IPF.Contact": ("Contact", "IPM.Contact", "Contactpersoon"),
    "IPF.Task": ("Task", "IPM.Task", "Taak"),
    "IPF.StickyNote": ("Item", "IPM.StickyNote", "Notitie"),
    "IPF.Journal": ("Item", "IPM.Activity", "Journaal"),
}
ARCHIVED = ("jan.devries", "pieter.jansen", "agnieszka.kowalska", "sanne.bakker")
ARCHIVED_SHARED = ("boekhouding", "directie")
RESOURCES = (
    ("vergaderzaal.amsterdam", "Vergaderzaal Amsterdam", "room"),
    ("sala.krakow", "Sala Kraków", "room"),
    ("beamer1", "Beamer 1", "equipment"),
)
PROFILES = ("standard", "large")
# the large profile's defaults: org.large()'s, so both labs serve the same organisation
LARGE_MAILBOXES, LARGE_MESSAGES, LARGE_MEDIAN_KB = 200, 2000, 4.0
ARCHIVE_EVERY = 25  # large profile: mailboxes 0, 25, 50, ... have an archive


@dataclass(frozen=True)
class Items:
    """How a folder's items are made: from the IMAP seed's plan, or generated here."""

    seed: str
    count: int = 0
    median: float = 30_000.0  # bytes, log-normal sizes (like the IMAP seed's)
    lo: int = 0  # with hi: uniform sizes in [lo, hi] instead
    hi: int = 0
    fixed: tuple[int, ...] = ()  # extra items of exactly these sizes
    element: str = "Message"
    item_class: str = "IPM.Note"
    subject: str = "Bericht"
    imap: org.FolderSpec | None = None  # the IMAP folder whose planned messages these are
    imap_owner: str = ""  # the IMAP mailbox of that folder
    imap_median_kb: float = 30.0


@dataclass(frozen=True)
class Folder:
    mailbox: str
    store: str  # primary | archive
    path: str  # from the store's root, "/" separated ("" is the root itself)
    name: str
    folder_class: str | None
    distinguished: str | None
    element: str  # Folder | CalendarFolder | ContactsFolder | TasksFolder
    items: Items | None = None
    grants: tuple[Grant, ...] = ()
    imap_path: str | None = None  # the IMAP folder it mirrors

    @property
    def parent_path(self) -> str | None:
        if not self.path:
            return None
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""


@dataclass(frozen=True)
class Mailbox:
    address: str
    name: str
    kind: str  # user | shared | room | equipment
    sid: str
    folders: tuple[Folder, ...]  # parents before children; both stores
    rules: tuple[Rule, ...] = ()
    delegates: tuple[Delegate, ...] = ()
    deliver_meeting_requests: str = "DelegatesAndSendInformationToMe"
    exchange_only: bool = False  # no IMAP mailbox in the IMAP lab

    @property
    def has_archive(self) -> bool:
        return any(f.store == "archive" for f in self.folders)


@dataclass
class EwsOrg:
    profile: str
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    places: dict[str, object] = field(default_factory=dict)


def build(
    profile: str = "standard",
    *,
    big_folder: int = 0,
    mailboxes: int = LARGE_MAILBOXES,
    messages_per_mailbox: int = LARGE_MESSAGES,
    median_kb: float = LARGE_MEDIAN_KB,
) -> EwsOrg:
    """The organisation of ``profile``; the sizes apply to ``large`` only."""
    if profile == "standard":
        return standard(big_folder)
    if profile == "large":
        return large(mailboxes, messages_per_mailbox, median_kb, big_folder=big_folder)
    raise ValueError(f"unknown EWS profile {profile!r}; expected one of {', '.join(PROFILES)}")


def standard(big_folder: int = 0) -> EwsOrg:
    """The IMAP lab's standard organisation as Exchange sees it.

    ``big_folder`` > 0 adds ``bulk@acme.nl`` with one folder of that many items (for memory
    benchmarks: only counts and sizes matter; three of them are over 35 MB).
    """
    base = org.standard()
    result = EwsOrg("standard" if not big_folder else f"standard+big_folder:{big_folder}")
    sid_n = 1100
    for box in base.mailboxes:
        local = box.address.split("@")[0]
        archive = local in ARCHIVED or local in ARCHIVED_SHARED
        result.mailboxes[box.address] = _mailbox(box, sid_n, archive, base.median_kb)
        sid_n += 1
    extra = [(local, name, kind) for local, name, kind in RESOURCES]
    extra.append(("lukasz.zolc", "Łukasz Żółć", "user"))  # in AD, no IMAP mailbox
    for local, name, kind in extra:
        address = f"{local}@{DOMAIN}"
        spec = org.MailboxSpec(address, name, kind="shared", folders=())
        made = _mailbox(spec, sid_n, False, base.median_kb, kind=kind)
        result.mailboxes[address] = replace(made, exchange_only=True)
        sid_n += 1
    if big_folder:
        _add_big_folder(result, sid_n, big_folder, base.median_kb)
    ews_extras.decorate(result.mailboxes)
    _summarise(result, f"emma.visser@{DOMAIN}")
    return result


def large(
    mailboxes: int = LARGE_MAILBOXES,
    messages_per_mailbox: int = LARGE_MESSAGES,
    median_kb: float = LARGE_MEDIAN_KB,
    *,
    big_folder: int = 0,
) -> EwsOrg:
    """The IMAP lab's ``large`` organisation (``org.large()``) as Exchange sees it.

    Same folders, counts and sizes as the IMAP seed with the same arguments; every
    ``ARCHIVE_EVERY``-th mailbox (the first included) has an archive, and a few have rules
    and delegates (``ews_extras.for_large``). ``big_folder`` as in ``standard``.
    """
    base = org.large(mailboxes, messages_per_mailbox, median_kb)
    name = f"large:{mailboxes}x{messages_per_mailbox}"
    result = EwsOrg(name if not big_folder else f"{name}+big_folder:{big_folder}")
    sid_n = 1100
    for i, box in enumerate(base.mailboxes):
        archive = i % ARCHIVE_EVERY == 0
        result.mailboxes[box.address] = _mailbox(box, sid_n, archive, base.median_kb)
        sid_n += 1
    if big_folder:
        _add_big_folder(result, sid_n, big_folder, base.median_kb)
    rules, delegates = ews_extras.for_large([b.address for b in base.mailboxes])
    ews_extras.decorate(result.mailboxes, rules, delegates)
    plain = next((a for a, m in result.mailboxes.items() if not m.has_archive), None)
    _summarise(result, plain)
    return result


def _add_big_folder(result: EwsOrg, sid_n: int, big_folder: int, median_kb: float) -> None:
    address = f"bulk@{DOMAIN}"
    spec = org.MailboxSpec(address, "Bulk", kind="shared", folders=())
    made = _mailbox(spec, sid_n, False, median_kb)
    bulk_items = Items(
        f"ews:{address}:Bulk",
        count=big_folder,
        lo=1500,
        hi=6000,
        fixed=(36 * MIB, 40 * MIB, 151 * MIB),
        subject="Meldung",
    )
    bulk = Folder(address, "primary", f"{IPM_ROOT}/Bulk", "Bulk", "IPF.Note", None, "Folder")
    folders = (*made.folders, replace(bulk, items=bulk_items))
    result.mailboxes[address] = replace(made, folders=folders)
    result.places["big_folder"] = {"mailbox": address, "path": bulk.path, "items": big_folder}


def _summarise(result: EwsOrg, no_archive_example: str | None) -> None:
    result.places.update(
        {
            "archived": sorted(a for a, m in result.mailboxes.items() if m.has_archive),
            "no_archive_example": no_archive_example,
            "exchange_only": sorted(a for a, m in result.mailboxes.items() if m.exchange_only),
        }
    )


def sid_of(n: int) -> str:
    return f"S-1-5-21-3623811015-3361044348-30300820-{n}"


def _mailbox(
    box: org.MailboxSpec,
    sid_n: int,
    archive: bool,
    median_kb: float,
    kind: str | None = None,
) -> Mailbox:
    kind = kind or box.kind
    assert kind is not None
    rng = random.Random(f"ews:{box.address}")
    a = box.address
    folders = [
        Folder(a, "primary", "", "Root", None, "root", "Folder"),
        Folder(a, "primary", IPM_ROOT, IPM_ROOT, "IPF.Note", "msgfolderroot", "Folder"),
    ]
    by_name: dict[str, Folder] = {}
    for name, dist, cls, element in DEFAULT_FOLDERS:
        items = _default_items(rng, a, name, cls, kind)
        path = f"{IPM_ROOT}/{name}"
        by_name[name] = Folder(a, "primary", path, name, cls, dist, element, items)
    own: dict[str, Folder] = {}
    specs = {f.path: f for f in box.folders}
    if box.folders:
        specs.setdefault("INBOX", org.FolderSpec("INBOX"))
    for imap_path, spec in specs.items():
        parts = imap_path.split("/")
        top = IMAP_TO_EWS.get(parts[0], (parts[0], ""))[0]
        for depth in range(1, len(parts) + 1):
            ews_path = "/".join([IPM_ROOT, top, *parts[1:depth]])
            sub_imap = "/".join(parts[:depth])
            if depth == len(parts):
                items = Items(
                    f"imap:{a}:{imap_path}", imap=spec, imap_owner=a, imap_median_kb=median_kb
                )
            else:
                items = None  # a parent the IMAP seed did not declare (\Noselect there)
                if sub_imap in specs or ews_path in own:
                    continue
            name = ews_path.rsplit("/", 1)[1]
            if depth == 1 and name in by_name:
                by_name[name] = replace(by_name[name], items=items, imap_path=sub_imap)
                continue
            own[ews_path] = Folder(
                a, "primary", ews_path, name, "IPF.Note", None, "Folder", items, (), sub_imap
            )
    folders += list(by_name.values())
    folders += [own[p] for p in sorted(own, key=lambda p: (p.count("/"), p))]
    folders.append(
        Folder(a, "primary", RECOVERABLE, RECOVERABLE, None, "recoverableitemsroot", "Folder")
    )
    for sub, sub_dist in RECOVERABLE_FOLDERS:
        path = f"{RECOVERABLE}/{sub}"
        deleted = _recoverable_items(rng, a, sub, "primary")
        folders.append(Folder(a, "primary", path, sub, None, sub_dist, "Folder", deleted))
    if archive:
        folders += _archive(rng, a)
    return Mailbox(a, box.name, kind, sid_of(sid_n), tuple(_ordered(folders)))


def _ordered(folders: list[Folder]) -> list[Folder]:
    """Pre-order per store: every parent before its children, siblings as given."""
    out: list[Folder] = []
    for store in ("primary", "archive"):
        children: dict[str | None, list[Folder]] = {}
        for f in folders:
            if f.store == store:
                children.setdefault(f.parent_path, []).append(f)
        _walk(children, None, out)
    return out


def _walk(children: dict[str | None, list[Folder]], path: str | None, out: list[Folder]) -> None:
    for f in children.get(path, []):
        out.append(f)
        _walk(children, f.path, out)


def _default_items(
    rng: random.Random, address: str, name: str, cls: str, kind: str
) -> Items | None:
    if cls not in ITEM_KINDS:
        return None  # mail folders: items only where the IMAP lab has messages
    element, item_class, subject = ITEM_KINDS[cls]
    seed = f"ews:{address}:{name}"
    if kind in ("room", "equipment"):
        n = rng.randint(300, 900) if cls == "IPF.Appointment" else 0
    elif cls == "IPF.Appointment":
        n = 0 if rng.random() < 0.25 else rng.randint(5, 400)
    elif cls == "IPF.Contact":
        n = 0 if rng.random() < 0.3 else rng.randint(3, 250)
    elif cls == "IPF.Task":
        n = 0 if rng.random() < 0.5 else rng.randint(1, 30)
    elif cls == "IPF.StickyNote":
        n = 0 if rng.random() < 0.7 else rng.randint(1, 10)
    else:
        n = 0 if rng.random() < 0.9 else rng.randint(1, 5)
    if kind == "shared" and cls != "IPF.Appointment":
        n = 0
    lo, hi = {"IPF.Appointment": (3_000, 40_000), "IPF.Contact": (1_500, 12_000)}.get(
        cls, (800, 5_000)
    )
    return Items(seed, n, lo=lo, hi=hi, element=element, item_class=item_class, subject=subject)


def _recoverable_items(rng: random.Random, address: str, name: str, store: str) -> Items:
    counts = {
        "Deletions": (0, 200),
        "Purges": (0, 40),
        "Versions": (0, 15),
        "Calendar Logging": (0, 60),
    }
    lo, hi = counts.get(name, (0, 0))
    n = rng.randint(lo, hi) if hi and rng.random() < 0.8 else 0
    fixed: tuple[int, ...] = ()
    if address == f"pieter.jansen@{DOMAIN}" and name == "Deletions" and store == "primary":
        fixed = (160 * MIB,)  # a deleted item over 150 MB still counts
    return Items(f"ews:{address}:{store}:{RECOVERABLE}/{name}", n, median=45_000.0, fixed=fixed)


def _archive(rng: random.Random, address: str) -> list[Folder]:
    a, root = address, IPM_ROOT
    big = {f"pieter.jansen@{DOMAIN}": (155 * MIB,), f"jan.devries@{DOMAIN}": (38 * MIB,)}
    out = [
        Folder(a, "archive", "", "Root", None, "archiveroot", "Folder"),
        Folder(a, "archive", root, root, "IPF.Note", "archivemsgfolderroot", "Folder"),
    ]
    for name, dist in (
        ("Inbox", "archiveinbox"),
        ("Deleted Items", "archivedeleteditems"),
        ("Sent Items", None),
        ("Archief 2018", None),
        ("Archief 2019", None),
    ):
        n = rng.randint(40, 800)
        fixed = big.get(a, ()) if name == "Archief 2018" else ()
        items = Items(f"ews:{a}:archive:{name}", n, median=60_000.0, fixed=fixed)
        out.append(Folder(a, "archive", f"{root}/{name}", name, "IPF.Note", dist, "Folder", items))
    out.append(
        Folder(
            a, "archive", RECOVERABLE, RECOVERABLE, None, "archiverecoverableitemsroot", "Folder"
        )
    )
    for name in ("Deletions", "Purges", "Versions"):
        dist = f"archiverecoverableitems{name.lower()}"
        items = _recoverable_items(rng, a, name, "archive")
        path = f"{RECOVERABLE}/{name}"
        out.append(Folder(a, "archive", path, name, None, dist, "Folder", items))
    return out
