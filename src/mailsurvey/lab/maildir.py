"""Write Maildir folders directly, as Dovecot would have stored them.

Each message is a real RFC 5322 message with CRLF line endings, so the file size is
the IMAP RFC822.SIZE and the ``S=``/``W=`` sizes in the file name are both true. The
file's mtime is the INTERNALDATE (Dovecot reads it from there). Big messages are
written in chunks; nothing is fsynced (a lab store can be re-seeded).
"""

from __future__ import annotations

import base64
import bisect
import math
import os
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..model import SIZE_BUCKETS

FLAG_NAMES = ("seen", "answered", "flagged", "draft", "deleted")
LINE = 78  # 76 characters + CRLF
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WORDS = [
    "offerte",
    "factuur",
    "levering",
    "klant",
    "project",
    "planning",
    "overleg",
    "akkoord",
    "bijlage",
    "graag",
    "dank",
    "groet",
    "vergadering",
    "zamowienie",
    "faktura",
    "dostawa",
    "termin",
    "umowa",
    "projekt",
    "spotkanie",
    "prosze",
    "dziekuje",
    "pozdrawiam",
    "budget",
    "rapport",
    "contract",
    "status",
    "update",
    "review",
]
_SUBJECTS = (
    "Offerte aanvraag",
    "Factuur {n}",
    "Re: Planning week {w}",
    "Overleg project {n}",
    "Zamówienie nr {n}",
    "Faktura VAT {n}",
    "Spotkanie {w}",
    "Levering order {n}",
    "Fwd: Contract",
    "Status update {w}",
    "Meldung {n}",
)
FIRST_DATE = int(datetime(2016, 1, 1, tzinfo=UTC).timestamp())
LAST_DATE = int(datetime(2025, 6, 30, 23, 59, 59, tzinfo=UTC).timestamp())


def _text_block() -> bytes:
    rng = random.Random("mailsurvey-lab:text")
    lines = []
    for _ in range(1024):
        line = ""
        while len(line) < 76:
            line += rng.choice(_WORDS) + " "
        lines.append(line[:76].encode("ascii") + b"\r\n")
    return b"".join(lines)


def _base64_block() -> bytes:
    rng = random.Random("mailsurvey-lab:base64")
    raw = rng.randbytes(57 * 13_000)  # 57 bytes encode to one 76 character line
    return base64.encodebytes(raw).replace(b"\n", b"\r\n")


TEXT = _text_block()
B64 = _base64_block()
assert len(TEXT) % LINE == 0 and len(B64) % LINE == 0


@dataclass
class Stats:
    """Per-folder aggregates, exactly what the ground truth records."""

    messages: int = 0
    bytes: int = 0
    largest: int = 0
    oldest: int | None = None
    newest: int | None = None
    histogram: list[int] = field(default_factory=lambda: [0] * (len(SIZE_BUCKETS) + 1))
    flags: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FLAG_NAMES, 0))

    def add(self, size: int, when: int, flags: str) -> None:
        self.messages += 1
        self.bytes += size
        self.largest = max(self.largest, size)
        self.oldest = when if self.oldest is None else min(self.oldest, when)
        self.newest = when if self.newest is None else max(self.newest, when)
        self.histogram[bisect.bisect_right(SIZE_BUCKETS, size)] += 1
        for letter, name in (
            ("S", "seen"),
            ("R", "answered"),
            ("F", "flagged"),
            ("D", "draft"),
            ("T", "deleted"),
        ):
            if letter in flags:
                self.flags[name] += 1


def rfc5322_date(when: int) -> str:
    t = datetime.fromtimestamp(when, UTC)
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} +0000"
    )


class FolderWriter:
    """Writes the messages of one folder into ``<dir>/cur``; tracks its Stats."""

    def __init__(self, folder_dir: Path, owner: tuple[int, int] | None, tag: str) -> None:
        self.dir = folder_dir
        self.owner = owner  # (uid, gid) to chown to, when running as root
        self.tag = tag  # makes Message-IDs unique across folders
        self.stats = Stats()
        self._n = 0
        for sub in ("cur", "new", "tmp"):
            d = folder_dir / sub
            d.mkdir(parents=True, exist_ok=True)
            if owner is not None:
                os.chown(d, *owner)
        self._cur_fd = os.open(folder_dir / "cur", os.O_RDONLY | os.O_DIRECTORY)

    def close(self) -> None:
        os.close(self._cur_fd)

    def link(self, source: str, size: int, when: int, flags: str) -> None:
        """Add a message that is a hard link to an earlier one (``source``) of this folder.

        Creating an inode costs this file system ~30 times more than a link, so big
        folders repeat a set of distinct messages. Dovecot itself hard-links copies;
        names differ, so every link is a message of its own with its own flags.
        """
        self._n += 1
        name = f"{when}.M{self._n}P4242.lab,S={size},W={size}:2,{flags}"
        os.link(source, name, src_dir_fd=self._cur_fd, dst_dir_fd=self._cur_fd)
        self.stats.add(size, when, flags)

    def write(self, size: int, when: int, flags: str, sender: str, to: str, subject: str) -> str:
        """Write one message of exactly ``size`` bytes received at ``when``; its name."""
        self._n += 1
        big = size > 64 * 1024
        head = self._header(when, sender, to, subject, big)
        body_len = size - len(head) - len(b"X-Lab-Pad: 0\r\n\r\n")
        if body_len < 2:
            raise ValueError(f"message of {size} bytes is too small for its header")
        # body = k full lines + one last line of L characters (L % 4 == 0) + CRLF;
        # the pad header takes the remaining 0-3 bytes so sizes are exact.
        k, rest = divmod(body_len - 2, LINE)
        last = min(rest - rest % 4, 76)
        pad = rest - last
        head += b"X-Lab-Pad: 0" + b"0" * pad + b"\r\n\r\n"
        name = f"{when}.M{self._n}P4242.lab,S={size},W={size}:2,{flags}"
        fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600, dir_fd=self._cur_fd)
        try:
            block = B64 if big else TEXT
            start = (self._n * 7 % (len(block) // LINE)) * LINE
            if k * LINE + start <= len(block):
                body = block[start : start + k * LINE]
                os.write(fd, head + body + block[:last] + b"\r\n")
            else:
                _write_all(fd, head)
                remaining = k * LINE
                while remaining:
                    chunk = block[: min(remaining, len(block))]
                    _write_all(fd, chunk)
                    remaining -= len(chunk)
                _write_all(fd, block[:last] + b"\r\n")
            os.utime(fd, (when, when))
            if self.owner is not None:
                os.fchown(fd, *self.owner)
        finally:
            os.close(fd)
        self.stats.add(size, when, flags)
        return name

    def _header(self, when: int, sender: str, to: str, subject: str, big: bool) -> bytes:
        date = rfc5322_date(when - 7)
        if big:
            ctype = (
                'Content-Type: application/pdf; name="bijlage.pdf"\r\n'
                "Content-Transfer-Encoding: base64\r\n"
                'Content-Disposition: attachment; filename="bijlage.pdf"\r\n'
            )
        else:
            ctype = (
                "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\n"
            )
        return (
            f"Return-Path: <{sender}>\r\nDate: {date}\r\nFrom: {sender}\r\nTo: {to}\r\n"
            f"Subject: {subject}\r\nMessage-ID: <{self._n}.{self.tag}@lab.acme.nl>\r\n"
            f"MIME-Version: 1.0\r\n{ctype}"
        ).encode()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def lognormal_size(rng: random.Random, median: float, sigma: float = 1.0) -> int:
    """A message size from a log-normal distribution, kept between 1 KB and 20 MB."""
    return int(min(max(math.exp(rng.gauss(math.log(median), sigma)), 1200), 20 * 1024 * 1024))


def subject(rng: random.Random, n: int) -> str:
    return rng.choice(_SUBJECTS).format(n=n, w=1 + n % 52)


def random_flags(rng: random.Random, folder: str) -> str:
    """Maildir flag letters in ASCII order: D(raft) F(lagged) R(eplied) S(een) T(rashed)."""
    top = folder.split("/", 1)[0]
    if top == "Drafts":
        return "DS" if rng.random() < 0.5 else "D"
    r = rng.random()
    seen = top in ("Sent", "Archive") or r < 0.75
    letters = ""
    if rng.random() < 0.07:
        letters += "F"
    if seen and rng.random() < 0.2:
        letters += "R"
    if seen:
        letters += "S"
    if top == "Trash" and rng.random() < 0.1:
        letters += "T"
    return letters
