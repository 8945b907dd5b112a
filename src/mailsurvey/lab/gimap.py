"""A Gmail-like IMAP server for tests: a TLS proxy on a free loopback port in front of the
lab's Dovecot, and a mailbox seeded the way Gmail shows labels over IMAP.

What it imitates, from Google's IMAP extensions page
(https://developers.google.com/workspace/gmail/imap/imap-extensions):

- the greeting ``* OK Gimap ready for requests from ...`` and the ``ID`` answer
  ``("name" "GImap" "vendor" "Google, Inc." ...)``;
- ``CAPABILITY`` with ``X-GM-EXT-1``, keeping of Dovecot's capabilities only those in
  Google's example (``IMAP4rev1 UNSELECT LITERAL+ IDLE NAMESPACE QUOTA ID XLIST CHILDREN``)
  and the login mechanisms: no STATUS=SIZE, ESEARCH, ESORT or ACL;
- special-use attributes on the ``[Gmail]/...`` folders in every ``LIST`` answer;
- ``X-GM-MSGID`` in ``FETCH``: a 63-bit id that is the same for a message in every
  folder it is in. The proxy asks Dovecot for
  ``BODY.PEEK[HEADER.FIELDS (MESSAGE-ID DATE FROM SUBJECT)]`` instead (PEEK: ``\\Seen``
  stays) and answers with an id derived from the Message-ID (from the other fields where
  a message has none), so the copies of one message share it.

Everything else passes through unchanged, so what a client sends reaches Dovecot (and its
rawlog) as sent, bar the FETCH item. It runs in the test's process (threads), not as a
daemon: ``with GmailProxy(...) as proxy`` starts and stops it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import socket
import ssl
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from . import dovecot
from .base import Paths
from .certs import cert_pair
from .maildir import FolderWriter
from .seed import folder_dir

GREETING = b"* OK Gimap ready for requests from 127.0.0.1 mailsurvey-lab\r\n"
ID_ANSWER = (
    b'* ID ("name" "GImap" "vendor" "Google, Inc." "support-url" '
    b'"http://mail.google.com/support")\r\n'
)
KEPT = frozenset(
    {"IMAP4REV1", "UNSELECT", "LITERAL+", "IDLE", "NAMESPACE", "QUOTA", "ID", "XLIST", "CHILDREN"}
)
SPECIAL = {
    "[Gmail]/All Mail": "\\All",
    "[Gmail]/Drafts": "\\Drafts",
    "[Gmail]/Important": "\\Important",
    "[Gmail]/Sent Mail": "\\Sent",
    "[Gmail]/Spam": "\\Junk",
    "[Gmail]/Starred": "\\Flagged",
    "[Gmail]/Trash": "\\Trash",
}
HEADER_ITEM = b"BODY.PEEK[HEADER.FIELDS (MESSAGE-ID DATE FROM SUBJECT)]"
_ANSWER_ITEM = re.compile(
    rb"BODY\[HEADER\.FIELDS \(MESSAGE-ID DATE FROM SUBJECT\)\] \{(\d+)\}\r\n$"
)
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
_CAPS = re.compile(rb"^(.*?\bCAPABILITY )([^\]\r\n]*)(.*)$", re.DOTALL)
_LIST = re.compile(rb'^\* (LIST|XLIST) \(([^)]*)\) ("[^"]*"|NIL) "?([^"\r\n]*)"?\r\n$')
_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def gm_msgid(header_fields: bytes) -> int:
    """The X-GM-MSGID of a message: from its Message-ID, else from its other fields."""
    m = _MESSAGE_ID.search(header_fields)
    basis = m.group(1) if m else header_fields.strip()
    return int.from_bytes(hashlib.sha256(basis).digest()[:8], "big") >> 1


def _capabilities(words: bytes) -> bytes:
    kept = [
        w for w in words.split() if w.upper().decode() in KEPT or w.upper().startswith(b"AUTH=")
    ]
    return b" ".join([*kept, b"X-GM-EXT-1"])


def _answer_line(line: bytes) -> bytes:
    """Dovecot's answer line as Gmail would have sent it (literal-free lines only)."""
    if line.startswith(b"* ID "):
        return ID_ANSWER
    caps = _CAPS.match(line) if b"CAPABILITY " in line else None
    if caps and (line.startswith(b"* CAPABILITY ") or b"[CAPABILITY " in line):
        return caps.group(1) + _capabilities(caps.group(2)) + caps.group(3)
    listed = _LIST.match(line)
    if listed:
        flag = SPECIAL.get(listed.group(4).decode("utf-8", "replace"))
        flags = listed.group(2)
        if flag and flag.encode() not in flags:
            start, end = listed.span(2)
            return line[:start] + (flags + b" " if flags else b"") + flag.encode() + line[end:]
    return line


def _command_line(line: bytes) -> bytes:
    """A client's command line with X-GM-MSGID asked of Dovecot as the header fields."""
    parts = line.split(b" ", 3)
    words = [p.upper() for p in parts[1:3]]
    if b"FETCH" in words and b"X-GM-MSGID" in line.upper():
        return re.sub(rb"X-GM-MSGID", HEADER_ITEM, line, flags=re.IGNORECASE)
    return line


@dataclass
class _Pump:
    """Copies one direction of a connection line by line (literals raw), rewriting lines."""

    source: BinaryIO
    sink: socket.socket
    rewrite: Callable[[bytes], bytes]
    fetch_answers: bool  # Dovecot -> client: turn the header fields into X-GM-MSGID

    def run(self) -> None:
        try:
            self._copy()
        except (OSError, ValueError):
            pass  # the other side closed: the proxy's connection ends with it
        finally:
            self.sink.close()

    def _copy(self) -> None:
        continuation = False
        while line := self.source.readline():
            answer = _ANSWER_ITEM.search(line) if self.fetch_answers else None
            if answer:
                fields = self._read(int(answer.group(1)))
                rest = self.source.readline()
                item = b"X-GM-MSGID %d" % gm_msgid(fields)
                self.sink.sendall(line[: answer.start()] + item + rest)
                continue
            out = line if continuation else self.rewrite(line)
            self.sink.sendall(out)
            literal = _LITERAL.search(line)
            continuation = bool(literal)
            if literal:
                self.sink.sendall(self._read(int(literal.group(1))))

    def _read(self, size: int) -> bytes:
        data = self.source.read(size)
        if len(data) != size:
            raise OSError("connection closed inside a literal")
        return data


class GmailProxy:
    """The proxy; ``port`` is where clients connect (TLS with the lab's certificate)."""

    def __init__(self, lab_dir: Path, upstream: tuple[str, int], host: str = "127.0.0.1") -> None:
        paths = Paths(Path(lab_dir).expanduser().resolve())
        pair = cert_pair(paths.certs, "good")
        self._server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._server_tls.load_cert_chain(str(pair.cert), str(pair.key))
        self._client_tls = ssl.create_default_context(cafile=str(paths.certs / "ca.pem"))
        self._upstream = upstream
        self._listener = socket.create_server((host, 0))
        self.host, self.port = host, int(self._listener.getsockname()[1])
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> GmailProxy:
        self._spawn(self._accept)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._listener.close()
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
        for t in self._threads:
            t.join(timeout=5)

    def _spawn(self, target: Callable[[], None]) -> None:
        t = threading.Thread(target=target, daemon=True)
        with self._lock:
            self._threads.append(t)
        t.start()

    def _accept(self) -> None:
        while True:
            try:
                raw, _ = self._listener.accept()
            except OSError:
                return  # closed
            self._spawn(functools.partial(self._serve, raw))

    def _serve(self, raw: socket.socket) -> None:
        try:
            client = self._server_tls.wrap_socket(raw, server_side=True)
            host, port = self._upstream
            upstream = self._client_tls.wrap_socket(
                socket.create_connection((host, port), timeout=30), server_hostname=host
            )
            upstream.settimeout(None)
        except OSError:
            raw.close()
            return
        with self._lock:
            self._sockets += [client, upstream]
        from_server = upstream.makefile("rb")
        from_server.readline()  # Dovecot's greeting: Gmail's instead
        client.sendall(GREETING)
        to_client = _Pump(from_server, client, _answer_line, fetch_answers=True)
        to_server = _Pump(client.makefile("rb"), upstream, _command_line, fetch_answers=False)
        self._spawn(to_client.run)
        to_server.run()


# -- a mailbox with labels --------------------------------------------------------------


@dataclass(frozen=True)
class Labelled:
    """One message: its size and the folders (labels) it is in; the first holds the file,
    the others hard links to it (Gmail shows one message in each of its labels)."""

    size: int
    folders: tuple[str, ...]


def seed_labels(lab_dir: Path, address: str, messages: Sequence[Labelled]) -> None:
    """Replace a seeded user's mail by ``messages``; call before anyone logs in as them.
    Folders no message is in are not created; ``[Gmail]`` itself is \\Noselect."""
    paths = Paths(Path(lab_dir).expanduser().resolve())
    user = dovecot.mail_user()
    owner = None if user.rootless else (user.uid, user.gid)
    maildir = paths.mail / address / "Maildir"
    shutil.rmtree(maildir, ignore_errors=True)
    names = sorted({f for m in messages for f in m.folders}, key=lambda f: (f != "INBOX", f))
    writers: dict[str, FolderWriter] = {}
    for name in ["INBOX", *(n for n in names if n != "INBOX")]:
        for depth in range(1, name.count("/") + 2):
            d = folder_dir(maildir, "/".join(name.split("/")[:depth]))
            if not d.exists():
                d.mkdir(parents=True)
                if owner is not None:
                    os.chown(d, *owner)
        writers[name] = FolderWriter(folder_dir(maildir, name), owner, tag=f"gm{len(writers)}")
    when = 1_700_000_000
    try:
        for n, m in enumerate(messages):
            first, *others = m.folders
            name = writers[first].write(
                m.size, when + n, "S", "klant@example.com", address, "Label"
            )
            source = folder_dir(maildir, first) / "cur" / name
            for k, other in enumerate(others):
                link = f"{when + n}.L{n}x{k}P7.lab,S={m.size},W={m.size}:2,S"
                os.link(source, folder_dir(maildir, other) / "cur" / link)
    finally:
        for w in writers.values():
            w.close()


ALL_MAIL = "[Gmail]/All Mail"
# The tests' mailbox: what Gmail shows of eight messages, six of them in All Mail with
# their labels, one in Trash and one in Spam (which are not in All Mail).
SAMPLE: tuple[Labelled, ...] = (
    Labelled(3000, ("INBOX", ALL_MAIL)),
    Labelled(4000, ("INBOX", ALL_MAIL, "Klanten")),
    Labelled(5000, (ALL_MAIL, "Klanten", "Projecten/2025")),
    Labelled(6000, (ALL_MAIL, "[Gmail]/Sent Mail")),
    Labelled(7000, (ALL_MAIL,)),
    Labelled(8000, ("[Gmail]/Trash",)),
    Labelled(9000, ("[Gmail]/Spam",)),
    Labelled(10000, ("INBOX", ALL_MAIL, "Klanten", "Projecten/2025")),
)
