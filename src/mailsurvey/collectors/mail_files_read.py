"""Reading mbox files and Maildir folders into a folder's figures, one message at a time.

Nothing here writes: every file is opened for reading only (``mailbox.mbox`` itself opens
its file ``rb+``, hence ``ReadOnlyMbox``), and nothing is locked.

An mbox message's size is its bytes as stored, without the ``From`` separator line and
the blank line that ends it (mboxrd's ``>From`` quoting included: that is what is copied);
a Maildir message's size is the ``S=`` of its file name, else the file's size. The date is
the ``Date`` header; a message without a readable one is counted, not dated.
"""

from __future__ import annotations

import mailbox
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import IO, NamedTuple, Protocol, cast

from imapclient import imap_utf7

from .imap_parse import SizeAggregate, as_utc

HEAD_LIMIT = 256 * 1024  # a header block longer than this is not read for its date
_MAILDIR_SIZE = re.compile(r",S=(\d+)")
# Thunderbird's summaries and settings beside its mbox files: not mail, not worth a note
_NOT_MAIL_SUFFIXES = (".msf", ".dat")


class DamagedFile(Exception):
    """A file is not what its name or place says it is, or cannot be parsed."""


@dataclass
class Counted:
    """What reading one folder found."""

    agg: SizeAggregate = field(default_factory=SizeAggregate)
    undated: int = 0  # messages without a readable Date: not in oldest/newest
    unsized: int = 0  # items without a size: the folder's bytes are unknown
    folder_class: str | None = None
    special_use: str | None = None


class CountFolder(Protocol):
    def __call__(self) -> Counted: ...


class FolderPlan(NamedTuple):
    """A folder found in a mailbox's files, counted when ``read`` is called."""

    path: str  # decoded, "/" between levels
    read: CountFolder


class ReadOnlyMbox(mailbox.mbox):
    """``mailbox.mbox`` that only reads: the standard class opens its file ``rb+`` (to be
    able to write changes back). It is made on ``os.devnull`` and then given the real
    file, opened ``rb``; the table of message boundaries is built on first use."""

    def __init__(self, path: Path) -> None:
        super().__init__(os.devnull, create=False)
        self._file.close()  # type: ignore[has-type]
        self._path = str(path)
        self._file = path.open("rb")

    def message_files(self) -> Iterator[IO[bytes]]:
        """Each message as a file positioned after its ``From`` line, in file order."""
        for key in self.iterkeys():
            yield cast(IO[bytes], self.get_file(key))


def mbox_figures(path: Path) -> Counted:
    """One mbox file. A non-empty file that does not start with a ``From`` line is not an
    mbox file (or is damaged): raised as DamagedFile, never counted as empty."""
    with path.open("rb") as fh:
        start = fh.read(5)
    if start and start != b"From ":
        raise DamagedFile(f"{path}: not an mbox file (it does not start with a 'From ' line)")
    counted = Counted()
    box = ReadOnlyMbox(path)
    try:
        for message in box.message_files():
            when = header_date(message)
            message.seek(0, os.SEEK_END)
            _add(counted, message.tell(), when)
    finally:
        box.close()
    return counted


def maildir_figures(folder: Path) -> Counted:
    """One Maildir folder: the files in ``cur`` and ``new`` (``tmp`` holds deliveries
    not yet finished)."""
    counted = Counted()
    for sub in ("cur", "new"):
        with os.scandir(folder / sub) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if not entry.is_file():
                    if entry.is_symlink():
                        raise DamagedFile(f"{entry.path}: a link to a file that does not exist")
                    continue
                m = _MAILDIR_SIZE.search(entry.name.split(":", 1)[0])
                with open(entry.path, "rb") as fh:
                    when = header_date(fh)
                _add(counted, int(m.group(1)) if m else entry.stat().st_size, when)
    return counted


def _add(counted: Counted, size: int, when: int | None) -> None:
    counted.agg.add(size, when)
    if when is None:
        counted.undated += 1


def header_date(fh: IO[bytes]) -> int | None:
    """The Date header of the message at ``fh``'s position, as POSIX seconds (a date
    without a zone is taken as UTC); None when missing or unreadable."""
    lines: list[bytes] = []
    size = 0
    while size <= HEAD_LIMIT:
        line = fh.readline(HEAD_LIMIT)
        if not line or line in (b"\n", b"\r\n"):
            break
        lines.append(line)
        size += len(line)
    else:
        return None
    raw = BytesHeaderParser(policy=compat32).parsebytes(b"".join(lines)).get("Date")
    if raw is None:
        return None
    try:
        return int(as_utc(parsedate_to_datetime(str(raw))).timestamp())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


# -- where the folders are ---------------------------------------------------------------


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() and (path / "new").is_dir()


def maildir_folders(root: Path) -> Iterator[FolderPlan]:
    """The folders of a Maildir tree: the root is INBOX; Maildir++ sub-folders are
    ``.Parent.Child`` directories beside ``cur``; a tree in Dovecot's ``LAYOUT=fs`` has
    them as nested directories. Names are in modified UTF-7 (as IMAP has them)."""
    if is_maildir(root):
        yield FolderPlan("INBOX", lambda: maildir_figures(root))
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name in ("cur", "new", "tmp"):
            continue
        if child.name.startswith("."):
            if is_maildir(child):
                parts = child.name[1:].split(".")
                yield FolderPlan(_decoded(parts), _maildir_counter(child))
            continue
        yield from _fs_layout(root, child)


def _fs_layout(root: Path, folder: Path) -> Iterator[FolderPlan]:
    if is_maildir(folder):
        yield FolderPlan(_decoded(folder.relative_to(root).parts), _maildir_counter(folder))
    for child in sorted(folder.iterdir()):
        if child.is_dir() and child.name not in ("cur", "new", "tmp"):
            yield from _fs_layout(root, child)


def _maildir_counter(folder: Path) -> CountFolder:
    return lambda: maildir_figures(folder)


def _mbox_counter(file: Path) -> CountFolder:
    return lambda: mbox_figures(file)


def _decoded(parts: tuple[str, ...] | list[str]) -> str:
    out = []
    for part in parts:
        try:
            out.append(str(imap_utf7.decode(part.encode("ascii"))))
        except (UnicodeError, ValueError):
            out.append(part)  # not modified UTF-7: the name as it is on disk
    return "/".join(out)


def mbox_file_folders(path: Path) -> Iterator[FolderPlan]:
    """A single mbox file is one mailbox with one folder, INBOX."""
    yield FolderPlan("INBOX", _mbox_counter(path))


def mbox_tree_folders(root: Path, skipped: list[Path]) -> Iterator[FolderPlan]:
    """A directory of mbox files (a Thunderbird profile's ``Mail/Local Folders``, an
    export): each mbox file is a folder; ``Name.sbd`` holds the sub-folders of ``Name``;
    Apple Mail's ``Name.mbox/mbox`` is the folder ``Name``. Files that are not mbox files
    are listed in ``skipped`` (Thunderbird's ``.msf`` summaries are left out silently)."""
    yield from _mbox_tree(root, (), skipped)


def _mbox_tree(folder: Path, parents: tuple[str, ...], skipped: list[Path]) -> Iterator[FolderPlan]:
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            name = child.name
            if name.endswith(".mbox") and (child / "mbox").is_file():
                yield FolderPlan("/".join((*parents, name[:-5])), _mbox_counter(child / "mbox"))
                continue
            name = name.removesuffix(".sbd")
            yield from _mbox_tree(child, (*parents, name), skipped)
        elif child.suffix.lower() in _NOT_MAIL_SUFFIXES:
            continue
        elif _looks_like_mbox(child):
            name = child.name.removesuffix(".mbox")
            yield FolderPlan("/".join((*parents, name)), _mbox_counter(child))
        else:
            skipped.append(child)


def _looks_like_mbox(path: Path) -> bool:
    """Starts with ``From `` or is empty (an empty folder: Thunderbird keeps the file)."""
    with path.open("rb") as fh:
        start = fh.read(5)
    return start in (b"", b"From ")
