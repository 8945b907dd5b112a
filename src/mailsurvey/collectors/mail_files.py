"""Offline sources: mail exports on disk (mbox, Maildir, PST/OST), read into the same
records as an IMAP scan: one account unit per mailbox, one folder unit per folder.

Every entry of the source's ``path`` (a file or a directory) is one mailbox, named by
its address (``jan@acme.nl.pst``, ``jan@acme.nl/``, or ``jan`` with ``domain: acme.nl``),
or as a mapping CSV (``entry,address[,kind]``) says. The format of each entry is
recognised from what it is: ``.pst``/``.ost`` files, a Maildir (``cur``/``new``/``tmp``,
Maildir++ ``.Sub.Folder`` directories), a directory of mbox files, one mbox file.
"""

from __future__ import annotations

import csv
import errno
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..config import MailFilesSource
from ..model import (
    Folder,
    Mailbox,
    Observation,
    Reason,
    Server,
    Status,
    Unit,
    UnitKind,
)
from ..store import folder_unit_key
from .imap import Sink
from .imap_parse import special_use
from .mail_files_read import (
    Counted,
    FolderPlan,
    is_maildir,
    maildir_folders,
    mbox_file_folders,
    mbox_tree_folders,
)

FORMAT_NAMES = {"mbox": "mbox", "maildir": "Maildir", "pst": "PST", "ost": "OST"}
DELIMITER = "/"
_KINDS = ("user", "shared", "room", "equipment")


class UnreadableFile(Exception):
    """A file or directory of an export cannot be read (its errno says why)."""

    def __init__(self, exc: OSError) -> None:
        self.errno = exc.errno
        where = f"{exc.filename}: " if exc.filename else ""
        super().__init__(f"{where}{exc.strerror or exc}")


@dataclass(frozen=True)
class MailboxFiles:
    """One mailbox's export: where it is and in which format."""

    address: str
    kind: str
    path: Path
    format: str  # a key of FORMAT_NAMES


class DiscoveryError(ValueError):
    """The source's files cannot be matched to mailboxes; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def discover(src: MailFilesSource) -> list[MailboxFiles]:
    """The mailboxes of a source, in name order. Raises DiscoveryError."""
    problems: list[str] = []
    if src.mailboxes is not None:
        named = list(_read_mapping(src.mailboxes, src.path, problems))
    else:
        named = [(e, *_address_of(e, src.domain, problems)) for e in _entries(src.path)]
    out: list[MailboxFiles] = []
    seen: dict[str, Path] = {}
    for entry, address, kind in named:
        if not address:
            continue
        if address.lower() in seen:
            problems.append(
                f"{address} is named twice: {seen[address.lower()].name} and {entry.name}"
            )
            continue
        seen[address.lower()] = entry
        out.append(MailboxFiles(address, kind, entry, detect_format(entry)))
    if not out and not problems:
        problems.append(
            f"no mailbox in {src.path}: expected one file or directory per mailbox (.pst, "
            ".ost, an mbox file, a Maildir or a directory of mbox files)"
        )
    if problems:
        raise DiscoveryError(problems)
    return sorted(out, key=lambda b: b.address.lower())


def _entries(path: Path) -> Iterator[Path]:
    for entry in sorted(path.iterdir()):
        if not entry.name.startswith(".") and entry.suffix.lower() != ".msf":
            yield entry


def _address_of(entry: Path, domain: str | None, problems: list[str]) -> tuple[str, str]:
    name = entry.name
    if entry.is_file() and entry.suffix.lower() in (".pst", ".ost", ".mbox"):
        name = entry.stem
    if "@" not in name and domain:
        name = f"{name}@{domain}"
    if "@" not in name or any(c.isspace() for c in name):
        problems.append(
            f"{entry.name}: not named by an address (jan@acme.nl.pst); set domain: to add "
            "one to plain names, or map entries to addresses with mailboxes: (a CSV file)"
        )
        return "", "user"
    return name, "user"


def _read_mapping(
    mapping: Path, root: Path, problems: list[str]
) -> Iterator[tuple[Path, str, str]]:
    """``entry,address[,kind]`` with a header row; entries relative to the source's path."""
    try:
        with mapping.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeError, csv.Error) as exc:
        problems.append(f"{mapping}: cannot read it ({exc})")
        return
    for lineno, row in enumerate(rows, start=2):
        entry = (row.get("entry") or "").strip()
        address = (row.get("address") or "").strip()
        kind = (row.get("kind") or "user").strip() or "user"
        where = f"{mapping}, line {lineno}"
        if not entry or not address or "@" not in address or any(c.isspace() for c in address):
            problems.append(f"{where}: expected columns entry,address[,kind] with an address")
        elif kind not in _KINDS:
            problems.append(f"{where}: kind {kind!r}; expected one of {', '.join(_KINDS)}")
        elif not (root / entry).exists():
            problems.append(f"{where}: {entry} is not in {root}")
        else:
            yield root / entry, address, kind


def detect_format(entry: Path) -> str:
    if entry.is_file():
        suffix = entry.suffix.lower()
        return suffix[1:] if suffix in (".pst", ".ost") else "mbox"
    if is_maildir(entry) or any(c.is_dir() and is_maildir(c) for c in entry.iterdir()):
        return "maildir"
    return "mbox"


@dataclass
class FilesContext:
    """What every mailbox of one source shares during a scan."""

    source: MailFilesSource
    sink: Sink
    classify: Callable[[BaseException], tuple[Reason, str]]
    stop: threading.Event = field(default_factory=threading.Event)

    def server(self, boxes: list[MailboxFiles]) -> Server:
        """What the Sources table shows: the directory and the formats found in it."""
        formats = sorted({FORMAT_NAMES[b.format] for b in boxes}, key=str.lower)
        return Server(
            source=self.source.name,
            host=str(self.source.path),
            port=0,
            software=", ".join(formats) or None,
            version=None,
            greeting=None,
            security="file",
        )


def now() -> datetime:
    return datetime.now(UTC)


def scan_mailbox_files(ctx: FilesContext, box: MailboxFiles, done_folders: set[str]) -> Unit:
    """Scan one mailbox's files; every outcome is a Unit written to the sink."""
    name = ctx.source.name
    started = now()
    mailbox = Mailbox(source=name, address=box.address, kind=box.kind, delimiter=DELIMITER)
    observations: list[Observation] = []

    def end(status: Status, reason: Reason = Reason.NONE, message: str = "") -> Unit:
        unit = Unit(name, UnitKind.ACCOUNT, box.address, status, reason, message, started, now())
        ctx.sink.finish_account(unit, mailbox, [], observations)
        return unit

    pst = None
    skipped: list[Path] = []  # files in a directory of mbox files that are not mbox files
    try:
        if box.format in ("pst", "ost"):
            from .mail_files_pst import PstMailbox  # libpff loads only when a PST is there

            pst = PstMailbox(box.path)
            mailbox = Mailbox(name, box.address, pst.display_name, box.kind, delimiter=DELIMITER)
            plans: Iterator[FolderPlan] = pst.folders()
        elif box.format == "maildir":
            plans = maildir_folders(box.path)
        elif box.path.is_file():
            plans = mbox_file_folders(box.path)
        else:
            plans = mbox_tree_folders(box.path, skipped)
        outcomes = [_scan_folder(ctx, box, plan, done_folders) for plan in plans]
    except Exception as exc:
        return end(Status.FAILED, *ctx.classify(file_error(exc)))
    finally:
        if pst is not None:
            pst.close()
    observations += [
        Observation(name, box.address, None, "not_mail_file", f"skipped {p}: not an mbox file")
        for p in skipped
    ]
    if not outcomes:
        what = FORMAT_NAMES[box.format]
        return end(Status.FAILED, Reason.PROTOCOL, f"{box.path}: no {what} folder found in it")
    failed = [u for u in outcomes if u.status != Status.OK]
    if not failed:
        return end(Status.OK)
    first = failed[0]
    message = f"{len(failed)} of {len(outcomes)} folders not scanned; first: {first.message}"
    status = Status.FAILED if len(failed) == len(outcomes) else Status.PARTIAL
    return end(status, first.reason, message)


def file_error(exc: BaseException) -> BaseException:
    """OSError from a file becomes UnreadableFile (``scan_common.classify`` would take a bare
    OSError for a network error)."""
    return UnreadableFile(exc) if isinstance(exc, OSError) else exc


def _scan_folder(ctx: FilesContext, box: MailboxFiles, plan: FolderPlan, done: set[str]) -> Unit:
    name = ctx.source.name
    key = folder_unit_key(box.address, plan.path)
    started = now()
    if key in done:
        return Unit(name, UnitKind.FOLDER, key, Status.OK, started=started, finished=started)
    if ctx.stop.is_set():
        unit = Unit(name, UnitKind.FOLDER, key, Status.FAILED, Reason.INTERRUPTED,
                    "not scanned: the scan was stopped", started, now())  # fmt: skip
        ctx.sink.finish_folder(unit, None, [], [])
        return unit
    try:
        counted = plan.read()
    except Exception as exc:
        reason, message = ctx.classify(file_error(exc))
        unit = Unit(name, UnitKind.FOLDER, key, Status.FAILED, reason, message, started, now())
        ctx.sink.finish_folder(unit, None, [], [])
        return unit
    folder, observations = folder_record(name, box, plan.path, counted)
    unit = Unit(name, UnitKind.FOLDER, key, Status.OK, started=started, finished=now())
    ctx.sink.finish_folder(unit, folder, [], observations)
    return unit


def folder_record(
    source: str, box: MailboxFiles, path: str, counted: Counted
) -> tuple[Folder, list[Observation]]:
    """The Folder the IMAP collector would write, from what the files held."""
    agg = counted.agg
    observations: list[Observation] = []
    if counted.undated:
        observations.append(
            Observation(
                source,
                box.address,
                path,
                "undated_messages",
                f"{counted.undated} of {agg.messages} messages have no readable date "
                "(Date header): not counted in oldest/newest",
            )
        )
    sized = not counted.unsized
    if not sized:
        observations.append(
            Observation(
                source,
                box.address,
                path,
                "unsized_items",
                f"{counted.unsized} of {agg.messages} items have no stored size: "
                "the folder's size is unknown",
            )
        )
    folder = Folder(
        source=source,
        mailbox=box.address,
        path=path,
        delimiter=DELIMITER,
        depth=path.count(DELIMITER),
        special_use=counted.special_use or special_use(path, ()),
        messages=agg.messages,
        bytes=agg.bytes if sized else None,
        largest=agg.largest if sized else None,
        oldest=agg.oldest,
        newest=agg.newest,
        histogram=tuple(agg.histogram) if sized else None,
        method=f"files:{box.format}",
        folder_class=counted.folder_class,
    )
    return folder, observations


def reason_for_errno(code: int | None) -> Reason:
    """Used by ``scan_common.classify`` for UnreadableFile."""
    if code in (errno.EACCES, errno.EPERM):
        return Reason.PERMISSION
    if code == errno.ENOENT:
        return Reason.VANISHED
    return Reason.PROTOCOL
