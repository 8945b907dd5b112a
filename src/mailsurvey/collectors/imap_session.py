"""Every IMAP command mailsurvey sends, in one place.

Only commands that change nothing exist here: CAPABILITY, ID, NAMESPACE, LIST, STATUS,
EXAMINE (never SELECT), SEARCH/SORT with RETURN options, FETCH of RFC822.SIZE,
INTERNALDATE and Gmail's X-GM-MSGID (never a body), GETQUOTAROOT, GETACL, MYRIGHTS,
LOGOUT. The extensions imapclient has no method for (LIST-STATUS, ESEARCH, ESORT,
MYRIGHTS) go through its raw command path.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import LoginError

from ..model import SIZE_BUCKETS
from ..secrets import Secret
from . import imap_gmail
from . import imap_parse as p

# imapclient logs whole commands at DEBUG; a credential must never reach a log.
logging.getLogger("imapclient").setLevel(logging.WARNING)


_LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


class AuthRejected(Exception):
    """The server refused the credential (a NO to LOGIN/AUTHENTICATE)."""


class TlsUnavailable(Exception):
    """STARTTLS was asked for and the server does not offer it."""


def xoauth2_responder(username: str, token: Secret) -> Callable[[bytes], bytes]:
    """SASL XOAUTH2 answers: the token once; to the error challenge a refused token gets,
    an empty answer (RFC 7628 3.2.3), never the token again (imapclient's oauth2_login
    would resend it)."""
    sent = False

    def respond(_challenge: bytes) -> bytes:
        nonlocal sent
        if sent:
            return b""
        sent = True
        return f"user={username}\x01auth=Bearer {token.reveal()}\x01\x01".encode()

    return respond


def ssl_context(ca_file: str | None, verify: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


class ImapSession:
    def __init__(self, client: IMAPClient, greeting: str | None) -> None:
        self._c = client
        self.greeting = greeting
        client.normalise_times = False  # keep INTERNALDATE's own zone; we convert to UTC

    @classmethod
    def connect(
        cls,
        host: str,
        port: int,
        security: str,
        context: ssl.SSLContext,
        connect_timeout: float,
        read_timeout: float,
    ) -> ImapSession:
        client = IMAPClient(
            host,
            port=port,
            ssl=security == "tls",
            ssl_context=context if security == "tls" else None,
            timeout=SocketTimeout(connect=connect_timeout, read=read_timeout),
        )
        session = cls(client, p.text(client.welcome))
        if security == "starttls":
            if not client.has_capability("STARTTLS"):
                client.shutdown()
                raise TlsUnavailable("the server does not offer STARTTLS")
            client.starttls(context)
        return session

    # -- login: exactly one attempt, a NO is reported as AuthRejected ---------------------

    def login(self, username: str, secret: Secret) -> None:
        self._auth(lambda: self._c.login(username, secret.reveal()))

    def login_plain(self, authcid: str, authzid: str | None, secret: Secret) -> None:
        self._auth(lambda: self._c.plain_login(authcid, secret.reveal(), authzid))

    def login_xoauth2(self, username: str, token: Secret) -> None:
        respond = xoauth2_responder(username, token)

        def authenticate() -> None:
            try:
                self._c._command_and_check("authenticate", "XOAUTH2", respond)
            except imaplib.IMAP4.error as exc:
                raise LoginError(str(exc)) from exc

        self._auth(authenticate)

    @staticmethod
    def _auth(call: Any) -> None:
        try:
            call()
        except LoginError as exc:
            if isinstance(exc.__context__, imaplib.IMAP4.abort):
                raise exc.__context__ from None  # the connection broke: not a refusal
            raise AuthRejected(str(exc)) from None

    # -- account level --------------------------------------------------------------------

    def capabilities(self) -> frozenset[str]:
        return frozenset(p.text(c) or "" for c in self._c.capabilities())

    def has(self, capability: str) -> bool:
        return bool(self._c.has_capability(capability))

    def server_id(self) -> dict[Any, Any] | None:
        if not self.has("ID"):
            return None
        answer = self._c.id_()  # ((k1, v1, k2, v2, ...),), or (None,) for NIL
        fields = answer[0] if answer and isinstance(answer[0], tuple | list) else None
        return dict(zip(fields[::2], fields[1::2], strict=False)) if fields else None

    def namespaces(self) -> Any:
        return self._c.namespace() if self.has("NAMESPACE") else None

    def quota(self) -> p.Quota | None:
        if not self.has("QUOTA"):
            return None
        answer = self._run("GETQUOTAROOT", "INBOX")
        return p.parse_quota(answer("QUOTAROOT"), answer("QUOTA"))

    def list_folders(
        self, status_items: tuple[str, ...]
    ) -> tuple[list[p.ListEntry], dict[str, dict[str, int]]]:
        """LIST with special-use flags and, when the server has LIST-STATUS, the STATUS of
        every folder in the same answer. Returns the entries and the statuses by name."""
        options = []
        if self.has("SPECIAL-USE"):
            options.append("SPECIAL-USE")
        if status_items and self.has("LIST-STATUS"):
            options.append(f"STATUS ({' '.join(status_items)})")
        args = ['""', '"*"'] + (["RETURN", f"({' '.join(options)})"] if options else [])
        answer = self._run("LIST", *args)
        return p.parse_list_data(answer("LIST")), p.parse_status_data(answer("STATUS"))

    def status(self, path: str, items: tuple[str, ...]) -> dict[str, int]:
        answer = self._run("STATUS", self._quote(path), f"({' '.join(items)})")
        return next(iter(p.parse_status_data(answer("STATUS")).values()), {})

    def getacl(self, path: str) -> list[tuple[str, str]]:
        return p.parse_acl(self._run("GETACL", self._quote(path))("ACL"))

    def myrights(self, path: str) -> str:
        return p.parse_myrights(self._run("MYRIGHTS", self._quote(path))("MYRIGHTS"))

    def _run(self, command: str, *args: str) -> Callable[[str], list[object]]:
        """Send a command through imaplib; returns a getter of its untagged answers by
        name, parsed by imap_parse (whose astring reader takes the atoms with "[" that
        imapclient's lexer refuses)."""
        imap = self._c._imap
        typ, data = imap._simple_command(command, *args)
        self._c._checkok(command.lower(), typ, data)
        return lambda name: list(imap.untagged_responses.pop(name, []))

    def _quote(self, path: str) -> str:
        return str(self._c._normalise_folder(path).decode("ascii"))

    # -- folder level ---------------------------------------------------------------------

    def examine(self, path: str) -> dict[str, int]:
        """EXAMINE: opens the folder read-only; \\Seen and \\Recent are left alone."""
        answer = self._c.select_folder(path, readonly=True)
        return {(p.text(k) or "").upper(): v for k, v in answer.items() if isinstance(v, int)}

    def server_counts(self) -> p.ServerCounts:
        """The size histogram (ESEARCH COUNT per bound) and the UIDs of the oldest, newest
        and largest message (ESORT), as eight commands pipelined in one round trip."""
        commands = [b"UID SEARCH RETURN (COUNT) LARGER %d" % (b - 1) for b in SIZE_BUCKETS]
        commands += [
            b"UID SORT RETURN (MIN MAX) (ARRIVAL) UTF-8 ALL",
            b"UID SORT RETURN (MAX) (SIZE) UTF-8 ALL",
        ]
        answers = [p.parse_esearch(lines) for lines in pipeline(self._c._imap, commands)]
        return p.ServerCounts(
            at_least=[int(a.get("COUNT", 0)) for a in answers[: len(SIZE_BUCKETS)]],
            oldest_uid=p.as_int(answers[-2].get("MIN")),
            newest_uid=p.as_int(answers[-2].get("MAX")),
            largest_uid=p.as_int(answers[-1].get("MAX")),
        )

    def fetch_uids(self, uids: list[int]) -> dict[int, tuple[int, datetime | None]]:
        answer = self._c.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
        return {uid: (int(v[b"RFC822.SIZE"]), v.get(b"INTERNALDATE")) for uid, v in answer.items()}

    def fetch_all(self, exists: int, batch: int) -> Iterator[tuple[int, int | None]]:
        """Size and INTERNALDATE (POSIX seconds) of messages 1..exists, ``batch`` at a time
        by sequence number: memory holds one batch, never the folder."""
        for start in range(1, exists + 1, batch):
            end = min(start + batch - 1, exists)
            command = f"FETCH {start}:{end} (RFC822.SIZE INTERNALDATE)".encode()
            yield from p.parse_size_date_lines(self._stream(command))

    def fetch_all_gmail(
        self, exists: int, batch: int
    ) -> Iterator[tuple[int, int | None, int | None]]:
        """As ``fetch_all``, with each message's X-GM-MSGID (Gmail's X-GM-EXT-1)."""
        for start in range(1, exists + 1, batch):
            end = min(start + batch - 1, exists)
            command = f"FETCH {start}:{end} {imap_gmail.FETCH_ITEMS}".encode()
            yield from imap_gmail.parse_size_date_msgid(self._stream(command))

    def noop(self) -> None:
        self._c.noop()

    def uids_sized(self, at_least: int, below: int) -> list[int]:
        """UIDs of the messages of at least ``at_least`` and below ``below`` octets."""
        criteria = ["LARGER", str(max(at_least - 1, 0)), "SMALLER", str(below)]
        return [int(u) for u in self._c.search(criteria)]

    def fetch_bodies(self, uids: list[int]) -> tuple[int, int]:
        """Download whole messages (BODY.PEEK[]: \\Seen stays as it is) in one command and
        throw them away as they arrive; returns (messages, octets). Memory holds one chunk."""
        command = b"UID FETCH %s (BODY.PEEK[])" % ",".join(map(str, uids)).encode()
        return drain_literals(self._c._imap, command)

    def _stream(self, command: bytes) -> list[object]:
        return stream_untagged(self._c._imap, command)

    def logout(self) -> None:
        try:
            self._c.logout()
        except (imaplib.IMAP4.error, OSError):
            self.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._c.shutdown()


def stream_untagged(imap: imaplib.IMAP4, command: bytes) -> list[object]:
    """Send one command and read its untagged FETCH answers straight off the connection,
    in imaplib's shape (``b'1 (RFC822.SIZE ...)'``; a literal as a (head, literal) pair
    followed by the rest of its line). For a FETCH of thousands of lines imaplib's
    per-line bookkeeping costs more than the parsing: this is the scan's hot path where
    a server cannot count for us."""
    out: list[object] = []
    for line in _answers(imap, command):
        if line.startswith(b"* "):
            number, _, rest = line[2:].partition(b" ")
            if not (number.isdigit() and rest.startswith(b"FETCH ")):
                continue  # EXISTS, RECENT, OK [...]: not a message's figures
            line = number + b" " + rest[6:]
        literal = _LITERAL.search(line)
        if literal:
            out.append((line[: literal.end()].rstrip(b"\r\n"), imap.read(int(literal.group(1)))))
        else:
            out.append(line.rstrip(b"\r\n"))
    return out


def _answers(imap: imaplib.IMAP4, command: bytes) -> Iterator[bytes]:
    """Send one command and yield its untagged answer lines until its completion; a NO or
    BAD raises IMAP4.error, a BYE or EOF IMAP4.abort. A line ending in a literal's size
    is yielded before the literal: the caller reads (or discards) the literal."""
    tag = imap._new_tag()
    imap.send(tag + b" " + command + b"\r\n")
    while True:
        line = imap.readline()
        if not line:
            raise imaplib.IMAP4.abort("socket error: EOF")
        if line.startswith(tag + b" "):
            imap.tagged_commands.pop(tag, None)
            if line[len(tag) + 1 :].split(b" ", 1)[0] != b"OK":
                text = line.decode("utf-8", "replace").strip()
                raise imaplib.IMAP4.error(f"{command.split()[0].decode()} command error: {text}")
            return
        if line.startswith(b"* BYE"):
            raise imaplib.IMAP4.abort(line.decode("utf-8", "replace").strip())
        yield line


def drain_literals(imap: imaplib.IMAP4, command: bytes, chunk: int = 1 << 20) -> tuple[int, int]:
    """Send one command, read its answers, discard every literal in chunks; returns
    (literals, octets). For timing whole-message downloads without keeping them."""
    count = octets = 0
    for line in _answers(imap, command):
        literal = _LITERAL.search(line)
        if literal:
            left = int(literal.group(1))
            count, octets = count + 1, octets + left
            while left:
                got = len(imap.read(min(left, chunk)))
                if not got:
                    raise imaplib.IMAP4.abort("socket error: EOF in a literal")
                left -= got
    return count, octets


_ESEARCH_TAG = re.compile(rb'^\* ESEARCH \(TAG "([^"]+)"\)')


def pipeline(imap: imaplib.IMAP4, commands: list[bytes]) -> list[list[bytes]]:
    """Send commands that do not depend on each other at once (RFC 3501 5.5) and return
    the ESEARCH answers of each, matched by their TAG correlator (RFC 4731). Every
    command's completion is read before any failure is raised, so the connection stays
    in step."""
    tags = [imap._new_tag() for _ in commands]
    imap.send(b"".join(t + b" " + c + b"\r\n" for t, c in zip(tags, commands, strict=True)))
    answers: dict[bytes, list[bytes]] = {t: [] for t in tags}
    pending, failures = set(tags), []
    while pending:
        line = imap.readline()
        if not line:
            raise imaplib.IMAP4.abort("socket error: EOF")
        tag, _, rest = line.partition(b" ")
        if tag in pending:
            pending.discard(tag)
            imap.tagged_commands.pop(tag, None)
            if not rest.startswith(b"OK"):
                failures.append(line.decode("utf-8", "replace").strip())
            continue
        if line.startswith(b"* BYE"):
            raise imaplib.IMAP4.abort(line.decode("utf-8", "replace").strip())
        literal = _LITERAL.search(line)
        if literal:  # an unsolicited answer carrying a literal: not ours, skip it whole
            imap.read(int(literal.group(1)))
            continue
        m = _ESEARCH_TAG.match(line)
        if m and m.group(1) in answers:
            answers[m.group(1)].append(line[m.end() :].strip())
    if failures:
        raise imaplib.IMAP4.error(f"pipelined command error: {failures[0]}")
    return [answers[t] for t in tags]
