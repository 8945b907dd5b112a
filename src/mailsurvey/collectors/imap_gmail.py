"""Gmail's labels counted once.

In Gmail a label is an IMAP folder, so a message with three labels is in three folders
(and in ``[Gmail]/All Mail``): adding up the folders counts it three or four times. Gmail
names every message with a 64-bit ``X-GM-MSGID`` that is the same in every folder it is
in (https://developers.google.com/workspace/gmail/imap/imap-extensions), advertised by the
capability ``X-GM-EXT-1``. Fetched with the sizes the scan reads anyway (FETCH changes
nothing), it tells the distinct messages and bytes of a mailbox from the extra copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from imapclient.response_parser import parse_fetch_response

from ..model import Mailbox

X_GM_EXT = "X-GM-EXT-1"
FETCH_ITEMS = "(RFC822.SIZE INTERNALDATE X-GM-MSGID)"


@dataclass
class LabelTally:
    """The distinct messages of one mailbox by X-GM-MSGID, over all of its folders.

    Memory: the set of ids is the only per-message state; a distinct message costs about
    70 bytes in it (a Python int plus its slot: 70 MB per million distinct messages,
    measured with tracemalloc), whatever the number of labels on it.
    """

    unique_bytes: int = 0
    duplicate_messages: int = 0
    duplicate_bytes: int = 0
    missing: int = 0  # FETCH answers without an X-GM-MSGID: the tally cannot be trusted
    _seen: set[int] = field(default_factory=set)

    def add(self, msgid: int | None, size: int) -> None:
        if msgid is None:
            self.missing += 1
        elif msgid in self._seen:
            self.duplicate_messages += 1
            self.duplicate_bytes += size
        else:
            self._seen.add(msgid)
            self.unique_bytes += size

    @property
    def unique_messages(self) -> int:
        return len(self._seen)

    def counted(self, mailbox: Mailbox) -> Mailbox:
        """``mailbox`` with these figures; unknown (None) when a message came without its id."""
        if self.missing:
            return mailbox
        return replace(
            mailbox,
            unique_messages=self.unique_messages,
            unique_bytes=self.unique_bytes,
            duplicate_messages=self.duplicate_messages,
            duplicate_bytes=self.duplicate_bytes,
        )


def parse_size_date_msgid(data: Sequence[object]) -> Iterator[tuple[int, int | None, int | None]]:
    """(size, INTERNALDATE seconds, X-GM-MSGID) per FETCH answer in imaplib's shape
    (``1 (RFC822.SIZE 120 INTERNALDATE "..." X-GM-MSGID 1278455344230334865)``); answers
    without a size (an unsolicited FLAGS update) are left out."""
    items = [d for d in data if d is not None]
    if not items:
        return
    for values in parse_fetch_response(items, False, False).values():
        if b"RFC822.SIZE" not in values:
            continue
        when = values.get(b"INTERNALDATE")
        msgid = values.get(b"X-GM-MSGID")
        yield (
            int(values[b"RFC822.SIZE"]),
            int(when.timestamp()) if when else None,
            int(msgid) if msgid is not None else None,
        )
