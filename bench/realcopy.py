"""A real migration between two lab Dovecots with mbsync or offlineimap, timed and verified.

The target is a second lab (its own directory, ports, CA and master password) that has
the source's user accounts: the source's passwd-file is copied with every home pointing
into the target's own, empty mail directory. ``real_copy()`` copies every mailbox of
the source, one tool process per mailbox, ``concurrency`` at a time, optionally through
a shaped link (``bench/netshape.py``: pass its port as ``source_port``), then verifies
per mailbox and folder that message count and size (IMAP STATUS MESSAGES and SIZE) on
the target equal the source's (mbsync adds an X-TUID header line to every message), and
that the source is unchanged: MESSAGES, SIZE, UIDNEXT, UIDVALIDITY and HIGHESTMODSEQ of
every folder are the same before and after, and the source's Dovecot logged no change
(mail_log events, deleted/expunged/trashed counters). Every run starts from an empty
target and empty tool state. Both tools log in as ``<address>*admin`` (Dovecot master
user); the password is read from the lab's file, never passed on a command line.

Only reading the source, by configuration: mbsync ``Sync Pull`` (changes go from far to
near only; the far side is the source), ``Create Near``, ``Remove None``, ``Expunge None``;
offlineimap's source repository ``readonly = True``, ``createfolders = False``,
``expunge = no``, ``sync_deletes = no``, ``maxconnections = 1``.

    .venv/bin/python bench/realcopy.py [--mailboxes 6] [--messages 300] [--median-kb 20]
        [--delay 0.02] [--rate 50] [--concurrency 1 3] [--tools mbsync offlineimap]
"""

from __future__ import annotations

import argparse
import contextlib
import imaplib
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mailsurvey.lab import LabError, LabInfo, down, seed, up
from mailsurvey.lab.base import Paths
from mailsurvey.lab.dovecot import doveadm, mail_user, write_private

sys.path.insert(0, str(Path(__file__).resolve().parent))
from netshape import Shaper

TOOLS = ("mbsync", "offlineimap")
SKIP_NAMESPACE = "shared"  # the lab's shared namespace prefix (other users' mailboxes)
# mbsync 1.4 writes "X-TUID: <12 characters>" CRLF into the header of every message it
# stores (to find it again should the APPEND's answer get lost), UIDPLUS or not.
TUID_BYTES = len(b"X-TUID: 0123456789ab\r\n")
# What the source's mail_log plugin logs for a change (lab/dovecot.py MAIL_LOG_EVENTS),
# and the counters of a session's last line.
STATUS_ITEMS = ("MESSAGES", "SIZE", "UIDNEXT", "UIDVALIDITY", "HIGHESTMODSEQ")
_LIST = re.compile(r'^\([^)]*\) (?:"(?:[^"\\]|\\.)*"|NIL) (?:"((?:[^"\\]|\\.)*)"|(\S+))$')
_CHANGE = re.compile(
    r": Info: (delete|undelete|expunge|copy|mailbox_delete|mailbox_rename|flag_change|save|"
    r"mailbox_create): |(deleted|expunged|trashed)=[1-9]"
)


@dataclass(frozen=True)
class FolderState:
    messages: int
    size: int
    uidnext: int
    uidvalidity: int
    highestmodseq: int


Mailbox = dict[str, FolderState]  # folder name -> state


@dataclass(frozen=True)
class CopyResult:
    tool: str  # "mbsync" | "offlineimap"
    version: str  # e.g. "isync 1.4.4"
    concurrency: int
    wall_seconds: float  # first process started to last process ended
    mailbox_seconds: dict[str, float]  # address -> seconds of its process
    cpu_seconds: float  # user + system time of the tool's processes, all mailboxes
    mailboxes: int
    folders: int
    messages: int
    bytes: int  # sum of the copied messages' sizes (RFC822.SIZE)


class CopyError(RuntimeError):
    """The copy failed, or the target does not match the source, or the source changed."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def addresses(lab: LabInfo) -> list[str]:
    """The accounts of a lab, from its passwd-file."""
    text = Paths(lab.lab_dir).users_passwd.read_text(encoding="utf-8")
    return [line.split(":", 1)[0] for line in text.splitlines() if line.strip()]


def seed_source(lab_dir: Path, mailboxes: int, messages: int, median_kb: float) -> None:
    """Seed the ``large`` profile and drop the rawlog directories: a real source does not
    write every byte it serves to a rawlog, and that would slow it down."""
    seed(
        lab_dir,
        profile="large",
        mailboxes=mailboxes,
        messages_per_mailbox=messages,
        median_kb=median_kb,
    )
    for rawlog in Paths(lab_dir.resolve()).mail.glob("*/dovecot.rawlog"):
        shutil.rmtree(rawlog)


def target_up(source: LabInfo, lab_dir: Path, imaps_port: int, imap_port: int) -> LabInfo:
    """Start an empty target lab with the source's accounts (see ``reset_target``)."""
    target = up(lab_dir, imaps_port, imap_port)
    reset_target(target, source)
    return target


def reset_target(target: LabInfo, source: LabInfo) -> None:
    """Disconnect everyone, delete all of the target's mail, give it the source's accounts
    (passwd-file lines with the home in the target's mail directory) and empty homes."""
    paths, user = Paths(target.lab_dir), mail_user()
    with contextlib.suppress(LabError):  # "No users kicked" is an error to doveadm
        doveadm(paths, "kick", "*", timeout=20)
    shutil.rmtree(paths.mail, ignore_errors=True)
    paths.mail.mkdir(mode=0o700)
    lines = []
    for line in Paths(source.lab_dir).users_passwd.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        fields = line.split(":")
        home = paths.mail / fields[0]
        fields[5] = str(home)
        lines.append(":".join(fields))
        home.mkdir(mode=0o700)
        if not user.rootless:
            os.chown(home, user.uid, user.gid)
    if not user.rootless:
        os.chown(paths.mail, user.uid, user.gid)
    write_private(paths.users_passwd, "\n".join(lines) + "\n", user)


def snapshot(lab: LabInfo, address: str) -> Mailbox:
    """STATUS of every selectable folder of a mailbox (its own namespace), directly.

    Raw imaplib with a small LIST parser: folder names may hold brackets, quotes,
    backslashes and control characters (names are compared as sent, modified UTF-7).
    """
    ctx = ssl.create_default_context(cafile=str(lab.ca_file))
    password = lab.master_password_file.read_text(encoding="ascii").strip()
    out: Mailbox = {}
    imap = imaplib.IMAP4_SSL(lab.host, lab.imaps_port, ssl_context=ctx, timeout=60)
    try:
        imap.login(f"{address}*{lab.master_user}", password)
        _, listed = imap.list()
        for flags, name in _list_entries(listed):
            if "\\noselect" in flags or "\\nonexistent" in flags:
                continue
            if name == SKIP_NAMESPACE or name.startswith(SKIP_NAMESPACE + "/"):
                continue
            quoted = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
            typ, data = imap.status(quoted, f"({' '.join(STATUS_ITEMS)})")
            last = data[-1]
            text = (last[-1] if isinstance(last, tuple) else last).decode("latin-1")
            m = re.search(r"\(([^()]*)\)\s*$", text)
            if typ != "OK" or m is None:
                raise CopyError(f"STATUS {name!r} of {address}: {typ} {data!r}")
            values = dict(zip(*[iter(m.group(1).split())] * 2, strict=True))
            out[name] = FolderState(*(int(values[k]) for k in STATUS_ITEMS))
    finally:
        imap.logout()
    return out


def _list_entries(listed: list[Any]) -> list[tuple[str, str]]:
    """(lower-cased flags, name) from imaplib's LIST answer (names quoted, atoms or
    literals)."""
    entries = []
    for item in listed:
        if isinstance(item, tuple):  # a literal name: (b'(flags) "/" {n}', b'name')
            head, name = item[0].decode("latin-1"), item[1].decode("latin-1")
        elif item:
            head = item.decode("latin-1")
            m = _LIST.match(head)
            if m is None:
                raise CopyError(f"cannot parse LIST line {head!r}")
            quoted, atom = m.group(1), m.group(2)
            name = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else atom
        else:
            continue
        entries.append((head[: head.index(")")].lower(), name))
    return entries


def snapshot_all(lab: LabInfo, boxes: list[str]) -> dict[str, Mailbox]:
    with ThreadPoolExecutor(8) as pool:
        return dict(zip(boxes, pool.map(lambda a: snapshot(lab, a), boxes), strict=True))


def changes_logged(lab: LabInfo, offset: int) -> list[str]:
    """Lines of the lab's Dovecot log after ``offset`` that record a change to mail."""
    with lab.log_file.open("rb") as fh:
        fh.seek(offset)
        text = fh.read().decode("utf-8", "replace")
    return [line for line in text.splitlines() if _CHANGE.search(line)]


def tool_version(tool: str) -> str:
    """``isync 1.4.4`` or ``offlineimap 8.0.0``; CopyError when the tool is missing."""
    exe, package = {"mbsync": ("mbsync", "isync"), "offlineimap": ("offlineimap", "offlineimap3")}[
        tool
    ]
    if shutil.which(exe) is None:
        raise CopyError(f"{exe} is missing: apt-get install -y {package}")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    version = done.stdout.strip().splitlines()[-1]
    return version if " " in version else f"{tool} {version}"


def tls_host(host: str) -> str:
    """mbsync 1.4 matches only DNS names of a certificate, not IP addresses: the lab's
    certificate names ``localhost`` beside 127.0.0.1."""
    return "localhost" if host == "127.0.0.1" else host


def mbsync_config(
    address: str,
    source: LabInfo,
    target: LabInfo,
    source_port: int,
    state_dir: Path,
    pipeline_depth: int | None = None,
) -> str:
    """One mailbox's mbsyncrc: the source is the far side, read only."""

    def account(name: str, lab: LabInfo, port: int) -> str:
        depth = "" if pipeline_depth is None else f"PipelineDepth {pipeline_depth}\n"
        return (
            f"IMAPAccount {name}\nHost {tls_host(lab.host)}\nPort {port}\n"
            f'User "{address}*{lab.master_user}"\nPassCmd "cat {lab.master_password_file}"\n'
            f"SSLType IMAPS\nCertificateFile {lab.ca_file}\nAuthMechs LOGIN\nTimeout 120\n"
            f"{depth}\nIMAPStore {name}\nAccount {name}\n\n"
        )

    return (
        account("source", source, source_port)
        + account("target", target, target.imaps_port)
        + "Channel copy\nFar :source:\nNear :target:\n"
        + f'Patterns * !{SKIP_NAMESPACE} "!{SKIP_NAMESPACE}/*"\n'
        + "Sync Pull\nCreate Near\nRemove None\nExpunge None\nCopyArrivalDate yes\n"
        + f"SyncState {state_dir}/\n"
    )


def offlineimap_config(
    address: str, source: LabInfo, target: LabInfo, source_port: int, state_dir: Path
) -> str:
    """One mailbox's offlineimaprc: the source is the remote repository, read only."""

    def repo(name: str, lab: LabInfo, port: int) -> str:
        return (
            f"[Repository {name}]\ntype = IMAP\nremotehost = {tls_host(lab.host)}\n"
            f"remoteport = {port}\nssl = yes\nsslcacertfile = {lab.ca_file}\n"
            f"remoteuser = {address}*{lab.master_user}\n"
            f"remotepassfile = {lab.master_password_file}\nauth_mechanisms = PLAIN\n"
            "maxconnections = 1\n"
        )

    skip = SKIP_NAMESPACE
    return (
        f"[general]\naccounts = copy\nmetadata = {state_dir}\nui = quiet\n\n"
        "[Account copy]\nlocalrepository = target\nremoterepository = source\n\n"
        + repo("source", source, source_port)
        + "readonly = True\ncreatefolders = False\nexpunge = no\nsync_deletes = no\n"
        + f"folderfilter = lambda f: f != '{skip}' and not f.startswith('{skip}/')\n\n"
        + repo("target", target, target.imaps_port)
    )


def _command(
    tool: str,
    address: str,
    source: LabInfo,
    target: LabInfo,
    port: int,
    box_dir: Path,
    pipeline_depth: int | None,
) -> list[str]:
    """Write the tool's config for one mailbox into ``box_dir``; return its command."""
    state = box_dir / "state"
    state.mkdir(parents=True, mode=0o700)
    cfg = box_dir / f"{tool}rc"
    if tool == "mbsync":
        cfg.write_text(
            mbsync_config(address, source, target, port, state, pipeline_depth), encoding="utf-8"
        )
        return ["mbsync", "-c", str(cfg), "copy"]
    cfg.write_text(offlineimap_config(address, source, target, port, state), encoding="utf-8")
    return ["offlineimap", "-c", str(cfg), "-o", "-u", "quiet"]


def _run(argv: list[str], log: Path) -> tuple[float, float, float]:
    """Run to the end, output into ``log``: start, end and CPU seconds (user + system)."""
    with log.open("wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        _, status, usage = os.wait4(proc.pid, 0)
        end = time.perf_counter()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
        raise CopyError(f"{' '.join(argv)} exited {proc.returncode}:\n{tail}")
    return start, end, usage.ru_utime + usage.ru_stime


def real_copy(
    source: LabInfo,
    target: LabInfo,
    work_dir: Path,
    *,
    tool: str = "mbsync",
    concurrency: int = 1,
    source_port: int | None = None,
    boxes: list[str] | None = None,
    pipeline_depth: int | None = None,
) -> CopyResult:
    """Copy every mailbox of ``source`` to an emptied ``target`` with ``tool`` (mbsync or
    offlineimap), one process per mailbox, ``concurrency`` at a time, reading the source
    at ``source_port`` (default: its IMAPS port; a ``Shaper``'s port copies over a shaped
    link). ``pipeline_depth``: mbsync's PipelineDepth (default unlimited). Verify the
    target and that the source is unchanged; raise CopyError."""
    if tool not in TOOLS:
        raise ValueError(f"tool must be one of {TOOLS}, not {tool!r}")
    version = tool_version(tool)
    boxes = addresses(source) if boxes is None else boxes
    reset_target(target, source)
    run_dir = work_dir / tool
    shutil.rmtree(run_dir, ignore_errors=True)
    before = snapshot_all(source, boxes)  # also a warm-up: the source's indexes exist
    log_at = source.log_file.stat().st_size
    port = source.imaps_port if source_port is None else source_port

    def one(address: str) -> tuple[float, float, float]:
        box_dir = run_dir / address
        argv = _command(tool, address, source, target, port, box_dir, pipeline_depth)
        return _run(argv, box_dir / f"{tool}.log")

    with ThreadPoolExecutor(concurrency) as pool:
        marks = dict(zip(boxes, pool.map(one, boxes), strict=True))
    wall = max(e for _, e, _ in marks.values()) - min(s for s, _, _ in marks.values())
    after = snapshot_all(source, boxes)
    copied = snapshot_all(target, boxes)
    added = TUID_BYTES if tool == "mbsync" else 0
    verify(before, after, copied, changes_logged(source, log_at), added)
    folders = [f for box in before.values() for f in box.values()]
    return CopyResult(
        tool=tool,
        version=version,
        concurrency=concurrency,
        wall_seconds=wall,
        mailbox_seconds={a: e - s for a, (s, e, _) in marks.items()},
        cpu_seconds=sum(c for _, _, c in marks.values()),
        mailboxes=len(boxes),
        folders=len(folders),
        messages=sum(f.messages for f in folders),
        bytes=sum(f.size for f in folders),
    )


def verify(
    before: dict[str, Mailbox],
    after: dict[str, Mailbox],
    copied: dict[str, Mailbox],
    source_log: list[str],
    added_per_message: int = 0,
) -> None:
    """Raise CopyError unless the source is unchanged (its folders' state; no change in
    its log) and the target holds, per mailbox and folder, as many messages of the same
    total size plus ``added_per_message`` each (empty folders may be missing)."""
    problems = [f"the SOURCE logged a change: {line}" for line in source_log[:10]]
    for address, src in before.items():
        for name in sorted(src.keys() | after[address].keys()):
            if src.get(name) != after[address].get(name):
                was, now = src.get(name), after[address].get(name)
                problems.append(f"{address} {name!r}: the SOURCE changed: {was} -> {now}")
        dst = copied[address]
        for name in sorted(src.keys() | dst.keys()):
            s, d = src.get(name), dst.get(name)
            want = (s.messages, s.size + added_per_message * s.messages) if s else (0, 0)
            got = (d.messages, d.size) if d else (0, 0)
            if s and s.messages and d is None:
                problems.append(f"{address} {name!r}: missing on the target")
            elif want != got:
                problems.append(f"{address} {name!r}: source {want}, target {got}")
    if problems:
        raise CopyError("copy verification failed:\n" + "\n".join(problems[:40]))


def report(
    tool: str,
    label: str,
    concurrency: int,
    source: LabInfo,
    target: LabInfo,
    work: Path,
    delay: float,
    rate: float | None,
) -> CopyResult:
    """One copy (through a Shaper when ``delay`` or ``rate`` is set); print its figures."""
    wire = ""
    if delay or rate is not None:
        with Shaper((source.host, source.imaps_port), delay=delay, rate_mbit=rate) as link:
            r = real_copy(
                source, target, work, tool=tool, concurrency=concurrency, source_port=link.port
            )
            wire = (
                f"; link down {link.bytes_down / 1e6:.1f} MB up {link.bytes_up / 1e6:.2f} MB,"
                f" proxy CPU {link.cpu_seconds():.2f} s"
            )
    else:
        r = real_copy(source, target, work, tool=tool, concurrency=concurrency)
    per = sorted(r.mailbox_seconds.values())
    print(
        f"{tool:11} {label}, concurrency {concurrency}: {r.wall_seconds:6.2f} s wall, "
        f"{r.mailboxes} mailboxes / {r.folders} folders / {r.messages} messages / "
        f"{r.bytes / 1e6:.1f} MB ({r.bytes * 8 / r.wall_seconds / 1e6:.1f} Mbit/s); per "
        f"mailbox {per[0]:.2f}-{per[-1]:.2f} s; {tool} CPU {r.cpu_seconds:.2f} s{wire}"
    )
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description="Copy a seeded lab for real; print the times.")
    ap.add_argument("--mailboxes", type=int, default=6)
    ap.add_argument("--messages", type=int, default=300, help="per mailbox")
    ap.add_argument("--median-kb", type=float, default=20.0)
    ap.add_argument("--delay", type=float, default=0.02, help="one-way delay of the slow link")
    ap.add_argument("--rate", type=float, default=50.0, help="Mbit/s of the slow link")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--tools", nargs="+", choices=TOOLS, default=["mbsync"])
    args = ap.parse_args()
    for tool in args.tools:
        print(tool_version(tool))
    with tempfile.TemporaryDirectory(prefix="mailsurvey-realcopy-", dir="/tmp") as tmp:
        work = Path(tmp)
        src_dir, dst_dir = work / "source", work / "target"
        try:
            source = up(src_dir, free_port(), free_port())
            t = time.perf_counter()
            seed_source(src_dir, args.mailboxes, args.messages, args.median_kb)
            print(f"seeded in {time.perf_counter() - t:.1f} s")
            target = target_up(source, dst_dir, free_port(), free_port())
            links: list[tuple[str, float, float | None]] = [
                ("loopback", 0.0, None),
                (f"{args.delay * 1000:g} ms one-way, {args.rate:g} Mbit/s", args.delay, args.rate),
            ]
            for tool in args.tools:
                for label, delay, rate in links:
                    for conc in args.concurrency:
                        report(tool, label, conc, source, target, work, delay, rate)
        finally:
            down(dst_dir)
            down(src_dir)


if __name__ == "__main__":
    main()
