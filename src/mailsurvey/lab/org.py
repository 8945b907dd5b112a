"""The seeded organisation, as data: who has which folders, sizes, rights and quotas.

Nothing here touches the disk; ``seed.py`` writes what these specs describe. Every
random choice comes from a ``random.Random`` seeded with a fixed string, so a profile
always produces the same store.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from .base import DOMAIN

MIB = 1024 * 1024
GIB = 1024 * MIB

DUTCH = [
    ("jan", "devries", "Jan de Vries"),
    ("pieter", "jansen", "Pieter Jansen"),
    ("sanne", "bakker", "Sanne Bakker"),
    ("emma", "visser", "Emma Visser"),
    ("lucas", "smit", "Lucas Smit"),
    ("daan", "meijer", "Daan Meijer"),
    ("sophie", "deboer", "Sophie de Boer"),
    ("lotte", "mulder", "Lotte Mulder"),
    ("thijs", "degroot", "Thijs de Groot"),
    ("femke", "bos", "Femke Bos"),
    ("ruben", "vos", "Ruben Vos"),
    ("anouk", "peters", "Anouk Peters"),
    ("bram", "hendriks", "Bram Hendriks"),
    ("lieke", "vandijk", "Lieke van Dijk"),
    ("sem", "vandenberg", "Sem van den Berg"),
    ("noor", "dekker", "Noor Dekker"),
    ("milan", "brouwer", "Milan Brouwer"),
    ("julia", "dejong", "Julia de Jong"),
    ("tim", "vanleeuwen", "Tim van Leeuwen"),
    ("eva", "dewit", "Eva de Wit"),
    ("koen", "willems", "Koen Willems"),
    ("fleur", "kok", "Fleur Kok"),
    ("jesse", "schouten", "Jesse Schouten"),
    ("iris", "vandam", "Iris van Dam"),
    ("niels", "prins", "Niels Prins"),
    ("maud", "huisman", "Maud Huisman"),
    ("stijn", "kuipers", "Stijn Kuipers"),
]
POLISH = [
    ("agnieszka", "kowalska", "Agnieszka Kowalska"),
    ("piotr", "nowak", "Piotr Nowak"),
    ("katarzyna", "wisniewska", "Katarzyna Wiśniewska"),
    ("tomasz", "wojcik", "Tomasz Wójcik"),
    ("anna", "kaminska", "Anna Kamińska"),
    ("michal", "lewandowski", "Michał Lewandowski"),
    ("magdalena", "zielinska", "Magdalena Zielińska"),
    ("krzysztof", "szymanski", "Krzysztof Szymański"),
    ("joanna", "wozniak", "Joanna Woźniak"),
    ("pawel", "dabrowski", "Paweł Dąbrowski"),
    ("aleksandra", "kozlowska", "Aleksandra Kozłowska"),
    ("marcin", "jankowski", "Marcin Jankowski"),
    ("ewa", "mazur", "Ewa Mazur"),
    ("lukasz", "kwiatkowski", "Łukasz Kwiatkowski"),
    ("monika", "krawczyk", "Monika Krawczyk"),
    ("grzegorz", "piotrowski", "Grzegorz Piotrowski"),
    ("zofia", "grabowska", "Zofia Grabowska"),
    ("jakub", "pawlowski", "Jakub Pawłowski"),
]
FUNCTIONAL = [
    ("info", "Acme Info"),
    ("sales", "Acme Sales"),
    ("boekhouding", "Boekhouding"),
    ("support", "Acme Support"),
    ("hr", "HR"),
    ("directie", "Directie"),
    ("monitoring", "Monitoring"),
    ("stagiair", "Stagiair"),
]

# Names a spreadsheet or browser might execute, and characters a parser may trip on.
# "/" is the hierarchy separator, so names holding one are nested paths (their parents
# exist as \Noselect folders). Dovecot lists a name starting with "~" as \Noselect
# (inaccessible), so none is seeded; leading/trailing spaces are served fine.
HOSTILE = [
    '=HYPERLINK("http:\\\\evil.example","x")',
    "+SUM(1,2)",
    "-1+2",
    "@cmd",
    "=cmd|' /C calc'!A0",
    "<script>alert(1)</script>",
    '<b>bold</b> & "quotes"',
    "100% zeker",
    "Belangrijk*",
    "esc\x1b[31mrood",
    "tab\there",
    "bel\x07",
    "C:\\Users\\jan",
    '"Offerte" v2',
    "[Gmail]/Sent Mail",
    "\u202etxt.exe",
    "📧 Post 🔥",
    "R&D",
    ".verborgen",
    "Café",
    "Cafe\u0301",
    "Heel lange mapnaam " * 10 + "einde",
    " Voorloopspatie",
    "Naloopspatie ",
]
UNICODE = ["Faktury źółć", "Zamówienia", "Reçus été", "日本語のフォルダ", "客户"]
DEEP = [
    "Projecten",
    "2024",
    "Klanten",
    "Acme",
    "Noord",
    "Holland",
    "Amsterdam",
    "Zuidas",
    "Gebouw A",
    "Verdieping 3",
    "Kamer 12",
    "Dossiers",
    "Lopend",
    "Urgent",
    "Vandaag",
]


@dataclass(frozen=True)
class FolderSpec:
    path: str  # decoded, "/" separated; "INBOX" for the inbox
    messages: int = 0
    sizes: str = "normal"  # normal | small (2-4 KB) | tiny (~400 B)
    fixed: tuple[int, ...] = ()  # extra messages of exactly these sizes
    acl: tuple[tuple[str, str], ...] = ()  # (identifier as in dovecot-acl, rights)
    distinct: int | None = None  # after this many files, hard-link earlier messages


@dataclass(frozen=True)
class MailboxSpec:
    address: str
    name: str
    kind: str = "user"  # user | shared
    quota: int | None = 2 * GIB  # storage limit in bytes (a whole MiB), None: no quota
    quota_fill: float | None = None  # set the limit so usage is this fraction of it
    folders: tuple[FolderSpec, ...] = ()


@dataclass
class Org:
    profile: str
    mailboxes: list[MailboxSpec]
    median_kb: float = 30.0
    places: dict[str, object] = field(default_factory=dict)


def _n(rng: random.Random, lo: int, hi: int, zero: float = 0.0) -> int:
    """A message count: sometimes zero, otherwise skewed towards ``lo``."""
    if rng.random() < zero:
        return 0
    return int(lo + (hi - lo) * rng.random() ** 2)


def _person_folders(rng: random.Random, polish: bool) -> list[FolderSpec]:
    f = [
        FolderSpec("INBOX", _n(rng, 40, 260)),
        FolderSpec("Sent", _n(rng, 15, 120)),
        FolderSpec("Drafts", _n(rng, 0, 6)),
        FolderSpec("Trash", _n(rng, 0, 50, zero=0.2)),
    ]
    if rng.random() < 0.6:
        f.append(FolderSpec("Junk", _n(rng, 0, 25, zero=0.3)))
    if rng.random() < 0.5:
        f.append(FolderSpec("Archive", _n(rng, 10, 120)))
    if polish:
        f += [FolderSpec("Faktury źółć", _n(rng, 0, 40)), FolderSpec("Zamówienia", _n(rng, 0, 30))]
    else:
        f += [
            FolderSpec("Offertes 2024", _n(rng, 0, 40)),
            FolderSpec("Facturen", _n(rng, 0, 10)),
            FolderSpec("Facturen/Betaald", _n(rng, 0, 40)),
            FolderSpec("Facturen/Open", _n(rng, 0, 15, zero=0.3)),
        ]
    if rng.random() < 0.3:  # children only: "Archief" itself is \Noselect
        f += [FolderSpec(f"Archief/{y}", _n(rng, 5, 40)) for y in (2019, 2020)]
    return f


def standard() -> Org:
    """The organisation the tests and the demo use (about 55 mailboxes, under 1 GB)."""
    rng = random.Random("mailsurvey-lab:standard")
    boxes: dict[str, MailboxSpec] = {}
    for first, last, name in DUTCH + POLISH:
        addr = f"{first}.{last}@{DOMAIN}"
        polish = (first, last, name) in POLISH
        boxes[addr] = MailboxSpec(addr, name, folders=tuple(_person_folders(rng, polish)))

    def add(addr: str, *folders: FolderSpec) -> None:
        old = boxes[addr]
        by_path = {f.path: f for f in old.folders}
        for f in folders:
            by_path[f.path] = f
        boxes[addr] = MailboxSpec(
            old.address, old.name, old.kind, old.quota, old.quota_fill, tuple(by_path.values())
        )

    def a(local: str) -> str:
        return f"{local}@{DOMAIN}"

    for local, name in FUNCTIONAL:
        addr = a(local)
        boxes[addr] = MailboxSpec(
            addr,
            name,
            kind="shared",
            quota=5 * GIB,
            folders=(FolderSpec("INBOX", _n(rng, 60, 300)),),
        )
    # Delegations and shared mailboxes (rights as written in dovecot-acl files).
    jan, piotr, sanne = a("jan.devries"), a("piotr.nowak"), a("sanne.bakker")
    add(
        a("info"),
        FolderSpec(
            "INBOX",
            180,
            acl=(
                (f"user={jan}", "lrs"),
                (f"user={a('agnieszka.kowalska')}", "lrs"),
                (f"user={sanne}", "lrwstipe"),
            ),
        ),
    )
    add(
        a("sales"),
        FolderSpec("INBOX", 150, acl=((f"user={jan}", "lrs"), (f"user={piotr}", "lrwsi"))),
        FolderSpec(
            "Offertes 2024",
            60,
            fixed=(40 * MIB,),
            acl=((f"user={a('pieter.jansen')}", "lr"), (f"user={jan}", "lrs")),
        ),
    )
    add(
        a("boekhouding"),
        FolderSpec("INBOX", 120, acl=((f"user={a('katarzyna.wisniewska')}", "lrwstipekxa"),)),
        FolderSpec("Facturen", 30),
        FolderSpec("Facturen/Betaald", 90, acl=((f"user={jan}", "lrs"),)),
        FolderSpec("Facturen/Open", 25),
    )
    add(a("support"), FolderSpec("INBOX", 140, acl=(("anyone", "lr"),)))
    add(
        jan,
        FolderSpec("INBOX", 120, acl=((f"user={a('sophie.deboer')}", "lrs"),)),
        FolderSpec("Archive", 80, fixed=(35 * MIB, 10 * MIB, 100 * 1024, 100 * 1024 - 1)),
    )
    add(
        a("agnieszka.kowalska"),
        FolderSpec("INBOX", 150, fixed=(36 * MIB,)),
        FolderSpec("Zamówienia", 30, acl=((f"user={piotr}", "lrs"),)),
        FolderSpec("Reçus été", 12),
        FolderSpec("日本語のフォルダ", 7),
        FolderSpec("客户", 9),
    )
    add(
        a("pieter.jansen"),
        FolderSpec("Projecten", 20),
        FolderSpec("Projecten/Bouwtekeningen", 14, fixed=(151 * MIB, 25 * MIB, 24 * MIB)),
    )
    add(a("emma.visser"), FolderSpec("Reçus été", 25), FolderSpec("客户", 4))
    add(a("tomasz.wojcik"), FolderSpec("日本語のフォルダ", 3))
    add(a("monitoring"), FolderSpec("Meldingen", 50_000, sizes="small", distinct=2000))
    deep = "/".join(DEEP)
    add(
        a("bram.hendriks"),
        *[FolderSpec("/".join(DEEP[: i + 1]), 1 + i % 3) for i in range(len(DEEP))],
    )
    add(a("lucas.smit"), *[FolderSpec(p, 1 + i % 4) for i, p in enumerate(HOSTILE + UNICODE)])
    boxes[a("stagiair")] = MailboxSpec(a("stagiair"), "Stagiair", folders=(FolderSpec("INBOX"),))
    old = boxes[sanne]  # over 90 % of its quota
    boxes[sanne] = MailboxSpec(
        sanne,
        old.name,
        quota=None,
        quota_fill=0.95,
        folders=(*old.folders, FolderSpec("Klanten", 40, fixed=(35 * MIB - 1, 12 * MIB, 5 * MIB))),
    )
    old = boxes[a("directie")]
    boxes[a("directie")] = MailboxSpec(old.address, old.name, "shared", None, None, old.folders)

    places: dict[str, object] = {
        "empty_mailbox": a("stagiair"),
        "big_folder": {"mailbox": a("monitoring"), "folder": "Meldingen", "messages": 50_000},
        "deep_folder": {"mailbox": a("bram.hendriks"), "path": deep},
        "over_150mb": {
            "mailbox": a("pieter.jansen"),
            "folder": "Projecten/Bouwtekeningen",
            "size": 151 * MIB,
        },
        "hostile_folders": [{"mailbox": a("lucas.smit"), "path": p} for p in HOSTILE + UNICODE],
        "near_quota": sanne,
        "no_quota": a("directie"),
    }
    return Org("standard", list(boxes.values()), places=places)


def large(mailboxes: int = 200, messages_per_mailbox: int = 2000, median_kb: float = 4.0) -> Org:
    """Many ordinary mailboxes for the scan benchmark."""
    people = DUTCH + POLISH
    boxes: list[MailboxSpec] = []
    split = (
        ("INBOX", 0.4),
        ("Sent", 0.2),
        ("Archive", 0.25),
        ("Projecten", 0.1),
        ("Facturen/Betaald", 0.05),
    )
    for i in range(mailboxes):
        first, _, _ = people[i % len(people)]
        _, last, _ = people[(i * 7 + i // len(people)) % len(people)]
        addr = f"{first}.{last}.{i:04d}@{DOMAIN}"
        counts = [int(messages_per_mailbox * share) for _, share in split]
        counts[0] += messages_per_mailbox - sum(counts)
        folders = tuple(
            FolderSpec(p, n, distinct=50) for (p, _), n in zip(split, counts, strict=True)
        )
        boxes.append(MailboxSpec(addr, f"{first.title()} {last.title()} {i}", folders=folders))
    return Org("large", boxes, median_kb=median_kb, places={})


def huge_folder(messages: int = 1_000_000) -> Org:
    """One mailbox with one folder of ``messages`` tiny messages."""
    addr = f"bulk@{DOMAIN}"
    box = MailboxSpec(
        addr,
        "Bulk",
        kind="shared",
        quota=None,
        folders=(FolderSpec("INBOX"), FolderSpec("Bulk", messages, sizes="tiny", distinct=2000)),
    )
    places: dict[str, object] = {
        "big_folder": {"mailbox": addr, "folder": "Bulk", "messages": messages},
    }
    return Org("huge_folder", [box], places=places)
