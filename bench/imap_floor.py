"""The floor for bench/scan_imap.py: a bare script that sends the IMAP commands an
inventory needs over raw TLS sockets, with regex parsing and no framework, at the same
concurrency as mailsurvey. Prints one JSON line of figures.

Usage: imap_floor.py HOST PORT CA_FILE MASTER_USER MASTER_PW_FILE ACCOUNTS_CSV CONCURRENCY MODE
(MODE: auto = let the server count where it can, fetch = read every message's size)
"""

from __future__ import annotations

import json
import re
import socket
import ssl
import sys
import time
from bisect import bisect_right
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BOUNDS = (100 * 1024, 1 << 20, 10 << 20, 25 << 20, 35 << 20, 150 << 20)
BATCH = 5000
LITERAL = re.compile(rb"\{(\d+)\}\r\n$")
STATUS_RE = re.compile(rb"^\* STATUS (.*) \((.*)\)\r\n$")
LIST_RE = re.compile(rb"^\* LIST \(([^)]*)\) (\S+) (.*)\r\n$")
FETCH_RE = re.compile(rb'RFC822\.SIZE (\d+) INTERNALDATE "([^"]+)"')
MONTHS = {
    m: b"%02d" % i
    for i, m in enumerate(
        (
            b"Jan",
            b"Feb",
            b"Mar",
            b"Apr",
            b"May",
            b"Jun",
            b"Jul",
            b"Aug",
            b"Sep",
            b"Oct",
            b"Nov",
            b"Dec",
        ),
        start=1,
    )
}
COUNT_RE = re.compile(rb"COUNT (\d+)")


class Conn:
    def __init__(self, host: str, port: int, ctx: ssl.SSLContext) -> None:
        raw = socket.create_connection((host, port), timeout=120)
        self.sock = ctx.wrap_socket(raw, server_hostname=host)
        self.f = self.sock.makefile("rb")
        self.f.readline()
        self.n = 0

    def pipeline(self, lines: list[bytes]) -> list[bytes]:
        """Send all at once, read every answer (the commands do not depend on each other)."""
        tags = [b"F%d" % (self.n + i + 1) for i in range(len(lines))]
        self.n += len(lines)
        self.sock.sendall(
            b"".join(t + b" " + c + b"\r\n" for t, c in zip(tags, lines, strict=True))
        )
        out, pending = [], set(tags)
        while pending:
            resp = self.f.readline()
            tag = resp.split(b" ", 1)[0]
            if tag in pending:
                pending.discard(tag)
            else:
                out.append(resp)
        return out

    def cmd(self, line: bytes) -> list[bytes]:
        self.n += 1
        tag = b"F%d" % self.n
        self.sock.sendall(tag + b" " + line + b"\r\n")
        out = []
        while True:
            resp = self.f.readline()
            m = LITERAL.search(resp)
            while m:  # a literal: read it and the rest of the line
                resp += self.f.read(int(m.group(1))) + self.f.readline()
                m = LITERAL.search(resp)
            if resp.startswith(tag + b" "):
                if not resp[len(tag) + 1 :].startswith(b"OK"):
                    raise RuntimeError(resp.decode(errors="replace"))
                return out
            out.append(resp)


def quote(name: bytes) -> bytes:
    return b'"' + name.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def unquote(raw: bytes) -> bytes:
    if raw.startswith(b'"'):
        return raw[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    m = LITERAL.search(raw)
    return raw.split(b"\r\n", 1)[1] if m else raw


def account(args: tuple[str, int, ssl.SSLContext, str, str, str, str]) -> tuple[int, int]:
    host, port, ctx, master, pw, address, mode = args
    c = Conn(host, port, ctx)
    c.cmd(b"LOGIN " + quote(f"{address}*{master}".encode()) + b" " + quote(pw.encode()))
    caps = b" ".join(c.cmd(b"CAPABILITY")).upper()
    fast_ok = all(x in caps for x in (b"STATUS=SIZE", b"ESEARCH", b"ESORT"))
    c.cmd(b"ID NIL")
    c.cmd(b"NAMESPACE")
    c.cmd(b"GETQUOTAROOT INBOX")
    lines = c.cmd(b'LIST "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT UIDVALIDITY SIZE))')
    folders, messages = 0, 0
    status: dict[bytes, int] = {}
    names: list[tuple[bytes, bool]] = []
    for line in lines:
        m = STATUS_RE.match(line)
        if m:
            n = re.search(rb"MESSAGES (\d+)", m.group(2))
            status[unquote(m.group(1))] = int(n.group(1)) if n else 0
            continue
        m = LIST_RE.match(line)
        if m:
            name = unquote(m.group(3))
            if not name.startswith(b"shared"):
                names.append((name, b"\\Noselect" in m.group(1)))
    for name, noselect in names:
        folders += 1
        if noselect:
            continue
        c.cmd(b"GETACL " + quote(name))
        if not status.get(name):
            continue
        exists = 0
        for line in c.cmd(b"EXAMINE " + quote(name)):
            if line.endswith(b" EXISTS\r\n"):
                exists = int(line.split()[1])
        messages += exists
        if fast_ok and mode == "auto":
            searches = [b"UID SEARCH RETURN (COUNT) LARGER %d" % (b - 1) for b in BOUNDS]
            searches += [
                b"UID SORT RETURN (MIN MAX) (ARRIVAL) UTF-8 ALL",
                b"UID SORT RETURN (MAX) (SIZE) UTF-8 ALL",
            ]
            for line in c.pipeline(searches):
                COUNT_RE.search(line)
            c.cmd(b"UID FETCH 1 (RFC822.SIZE INTERNALDATE)")
        else:
            hist = [0] * 7
            oldest = newest = b""
            for start in range(1, exists + 1, BATCH):
                end = min(start + BATCH - 1, exists)
                for line in c.cmd(b"FETCH %d:%d (RFC822.SIZE INTERNALDATE)" % (start, end)):
                    m = FETCH_RE.search(line)
                    if m:
                        hist[bisect_right(BOUNDS, int(m.group(1)))] += 1
                        d = m.group(2)  # the least work that orders dates (zone ignored)
                        key = d[-20:-16] + MONTHS[d[-23:-20]] + d[:-24].strip() + d[-15:-6]
                        oldest = min(oldest, key) if oldest else key
                        newest = max(newest, key)
    c.cmd(b"LOGOUT")
    return folders, messages


def peak_rss_mb() -> float:
    """VmHWM: this process's own peak RSS (ru_maxrss would include the parent's peak,
    as Linux keeps it across execve)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    host, port, ca, master, pw_file, csv_file, conc, mode = sys.argv[1:9]
    ctx = ssl.create_default_context(cafile=ca)
    pw = Path(pw_file).read_text().strip()
    addresses = [a.strip() for a in Path(csv_file).read_text().splitlines()[1:] if a.strip()]
    start = time.perf_counter()
    with ThreadPoolExecutor(int(conc)) as pool:
        results = list(
            pool.map(account, [(host, int(port), ctx, master, pw, a, mode) for a in addresses])
        )
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "mailboxes": len(addresses),
                "folders": sum(r[0] for r in results),
                "messages": sum(r[1] for r in results),
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    main()
