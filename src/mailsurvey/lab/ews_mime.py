"""An item's MIME content for GetItem (item:MimeContent / IncludeMimeContent), streamed.

Each item's message is made on the fly, deterministically, with exactly the item's size
(the size FindItem reports and the IMAP lab's message has): an RFC 5322 header, then the
IMAP lab's text (or, over 64 KB, base64 attachment) lines. It goes out base64-encoded in
blocks of about 64 KB, so a 20 MB message never sits in memory whole, let alone as the
27 MB string its base64 would be.
"""

from __future__ import annotations

import base64
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from . import ews_xml
from .ews_items import Realized
from .ews_org import Folder
from .maildir import B64, LINE, TEXT, rfc5322_date

RAW_BLOCK = 57 * 1024  # bytes encoded at once (a multiple of 3: no padding in between)
SENDER = "extern@lab.acme.nl"


@dataclass(frozen=True)
class Mime:
    """The MIME content of item ``index`` of folder ``folder``."""

    folder: Folder
    items: Realized
    index: int

    @property
    def size(self) -> int:
        return self.items.sizes[self.index]

    def __len__(self) -> int:
        """The length of its base64 text."""
        return 4 * -(-self.size // 3)

    def raw(self) -> Iterator[bytes]:
        """The message itself, ``size`` bytes in pieces."""
        size, i = self.size, self.index
        big = size > 64 * 1024
        ctype = (
            'Content-Type: application/pdf; name="bijlage.pdf"\r\n'
            "Content-Transfer-Encoding: base64\r\n"
            if big
            else "Content-Type: text/plain; charset=us-ascii\r\n"
        )
        head = (
            f"Date: {rfc5322_date(self.items.when[i])}\r\nFrom: {SENDER}\r\n"
            f"To: {self.folder.mailbox}\r\nSubject: {self.items.subject_of(i)}\r\n"
            f"Message-ID: <{i}.{zlib.crc32(self.folder.path.encode()):08x}.{self.folder.mailbox}"
            f">\r\nMIME-Version: 1.0\r\n{ctype}\r\n"
        ).encode("utf-8", "replace")[:size]
        yield head
        left = size - len(head)
        block = B64 if big else TEXT
        start = (i * 7 % (len(block) // LINE)) * LINE
        while left > 0:
            piece = block[start : start + left]
            yield piece
            left -= len(piece)
            start = 0

    def chunks(self) -> Iterator[bytes]:
        """The base64 text in blocks."""
        carry = b""
        for piece in self.raw():
            carry += piece
            whole = len(carry) - len(carry) % 3
            for at in range(0, whole, RAW_BLOCK):
                yield base64.b64encode(carry[at : min(at + RAW_BLOCK, whole)])
            carry = carry[whole:]
        if carry:
            yield base64.b64encode(carry)


Part = str | Mime


@dataclass(frozen=True)
class Streamed:
    """An answer made of text and MIME contents, sent as it is made."""

    parts: tuple[bytes | Mime, ...]

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts)

    def chunks(self) -> Iterator[bytes]:
        for p in self.parts:
            if isinstance(p, bytes):
                yield p
            else:
                yield from p.chunks()


def with_mime(item_xml: str, element: str, mime: Mime) -> list[Part]:
    """An item element with its MimeContent first, as the schema orders it."""
    opening = f"<t:{element}>"
    assert item_xml.startswith(opening)
    return [
        f'{opening}<t:MimeContent CharacterSet="UTF-8">',
        mime,
        f"</t:MimeContent>{item_xml[len(opening) :]}",
    ]


def envelope(body: Iterable[Part]) -> Streamed:
    """``ews_xml.envelope`` around a body holding MIME contents."""
    head, tail = ews_xml.envelope("\x00").split(b"\x00")
    parts: list[bytes | Mime] = [head]
    for p in body:
        parts.append(p.encode() if isinstance(p, str) else p)
    parts.append(tail)
    return Streamed(tuple(parts))
