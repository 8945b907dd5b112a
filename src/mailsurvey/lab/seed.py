"""Seed the lab: write the organisation's Maildir store, passwd-file, ACLs and ground truth.

Re-seeding wipes every home (mail, Dovecot index files, private shared indexes, rawlogs)
first, so no Dovecot cache outlives a seed; Dovecot may keep running meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import shutil
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from imapclient import imap_utf7

from . import dovecot, org
from .base import DOMAIN, LabError, Paths, ensure_secrets
from .maildir import FIRST_DATE, LAST_DATE, FolderWriter, Stats, lognormal_size, random_flags
from .maildir import subject as make_subject

PROFILES = ("standard", "large", "huge_folder")
_EXTERNAL = (
    "klant@example.com",
    "leverancier@example.org",
    "biuro@przyklad.pl",
    "noreply@bank.example",
    "info@partner.example",
)


def seed(lab_dir: Path, profile: str = "standard", **kw: Any) -> Path:
    """Write the mail store for ``profile``; return the path of ``ground_truth.json``.

    ``large`` takes ``mailboxes``, ``messages_per_mailbox`` and ``median_kb``;
    ``huge_folder`` takes ``messages``.
    """
    paths = Paths(Path(lab_dir).expanduser().resolve())
    spec = _org(profile, kw)
    paths.lab_dir.mkdir(parents=True, exist_ok=True)
    user = dovecot.mail_user()
    owner = None if user.rootless else (user.uid, user.gid)
    _, user_pw = ensure_secrets(paths)
    if dovecot.running_pid(paths) is not None:
        _kick(paths)
    _wipe(paths, owner)

    truth: dict[str, Any] = {"domain": DOMAIN, "profile": profile, "mailboxes": {}}
    passwd_lines: list[str] = []
    shared: set[str] = set()
    for box in spec.mailboxes:
        home = paths.mail / box.address
        entry = _write_mailbox(home, box, spec.median_kb, owner)
        if box.quota_fill is not None:
            used = sum(f["bytes"] or 0 for f in entry["folders"].values())
            limit_mib = math.ceil(used / box.quota_fill / org.MIB)
            entry["quota_limit_bytes"] = limit_mib * org.MIB
        limit = entry["quota_limit_bytes"]
        extra = "" if limit is None else f"userdb_quota_rule=*:storage={limit // org.MIB}M"
        passwd_lines.append(f"{box.address}:{dovecot.ssha512(user_pw)}::::{home}::{extra}")
        truth["mailboxes"][box.address] = entry
        for grants in entry["acl"].values():
            for ident, rights in grants.items():
                if "l" in rights:
                    key = "anyone" if ident == "anyone" else f"user/{ident}"
                    shared.add(f"shared/shared-boxes/{key}/{box.address}")
    # Dovecot's acl_shared_dict: which users see whose mailboxes under shared/.
    paths.dict_dir.mkdir(parents=True, exist_ok=True)
    dovecot.write_private(paths.shared_dict, "".join(f"{k}\n1\n" for k in sorted(shared)), user)
    paths.auth.mkdir(parents=True, exist_ok=True)
    dovecot.write_private(paths.users_passwd, "\n".join(passwd_lines) + "\n", user)
    if owner is not None:
        os.chown(paths.dict_dir, *owner)
        os.chown(paths.auth, *owner)

    truth.update(
        {
            "empty_mailbox": spec.places.get("empty_mailbox"),
            "big_folder": spec.places.get("big_folder"),
            "deep_folder": spec.places.get("deep_folder"),
            "over_150mb": spec.places.get("over_150mb"),
            "hostile_folders": spec.places.get("hostile_folders", []),
            "near_quota": spec.places.get("near_quota"),
            "no_quota": spec.places.get("no_quota"),
        }
    )
    tmp = paths.ground_truth.with_suffix(".tmp")
    tmp.write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(paths.ground_truth)
    accounts_csv(paths.lab_dir)
    owners = sorted(a for a, m in truth["mailboxes"].items() if m["acl"])
    _pending(paths).write_text("".join(f"{o}\n" for o in owners), encoding="utf-8")
    if paths.conf.exists():
        index_shared_owners(paths)
    return paths.ground_truth


def _pending(paths: Paths) -> Path:
    return paths.lab_dir / "index-pending.txt"


def index_shared_owners(paths: Paths) -> None:
    """Build, as their owners, the indexes of mailboxes others have rights on.

    With ``INDEXPVT`` the \\Seen flag is private per user: when another user's session
    happens to create a mailbox's index first, the owner's \\Seen flags show up only
    after a later resync, which looks like a changed flag. Indexing as the owner right
    after seeding keeps the owner's flags exactly as seeded.
    """
    pending = _pending(paths)
    if not pending.exists():
        return
    for owner in pending.read_text(encoding="utf-8").split():
        dovecot.doveadm(paths, "mailbox", "status", "-u", owner, "messages", "*")
    pending.unlink()


def accounts_csv(lab_dir: Path) -> Path:
    """Write ``lab_dir/accounts.csv``: a header ``address`` and one seeded address a line."""
    paths = Paths(Path(lab_dir).expanduser().resolve())
    try:
        truth = json.loads(paths.ground_truth.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LabError(f"the lab at {paths.lab_dir} is not seeded: run seed() first") from exc
    out = paths.lab_dir / "accounts.csv"
    out.write_text("address\n" + "".join(f"{a}\n" for a in truth["mailboxes"]), encoding="utf-8")
    return out


def _org(profile: str, kw: dict[str, Any]) -> org.Org:
    allowed = {
        "standard": set(),
        "large": {"mailboxes", "messages_per_mailbox", "median_kb"},
        "huge_folder": {"messages"},
    }
    if profile not in allowed:
        raise LabError(f"unknown seed profile {profile!r}; expected one of {', '.join(PROFILES)}")
    unknown = set(kw) - allowed[profile]
    if unknown:
        raise LabError(f"profile {profile!r} does not take {', '.join(sorted(unknown))}")
    if profile == "large":
        return org.large(**kw)
    if profile == "huge_folder":
        return org.huge_folder(**kw)
    return org.standard()


def _kick(paths: Paths) -> None:
    """Disconnect every IMAP session so no process writes stale indexes after the wipe."""
    # doveadm fails when nobody is connected ("No users kicked"): that is fine
    with contextlib.suppress(LabError, OSError):
        dovecot.doveadm(paths, "kick", "*", timeout=20)


def _wipe(paths: Paths, owner: tuple[int, int] | None) -> None:
    if paths.mail.exists():
        for child in paths.mail.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    paths.mail.mkdir(parents=True, exist_ok=True)
    os.chmod(paths.mail, 0o700)
    if owner is not None:
        os.chown(paths.mail, *owner)


def _mkdir(path: Path, owner: tuple[int, int] | None) -> None:
    """mkdir -p, handing every directory created to the mail user."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir()
        if owner is not None:
            os.chown(d, *owner)


def folder_dir(maildir: Path, path: str) -> Path:
    """Where a folder lives with LAYOUT=fs: components in modified UTF-7; INBOX is the root."""
    if path == "INBOX":
        return maildir
    return maildir.joinpath(*(imap_utf7.encode(part).decode("ascii") for part in path.split("/")))


def _write_mailbox(
    home: Path, box: org.MailboxSpec, median_kb: float, owner: tuple[int, int] | None
) -> dict[str, Any]:
    maildir = home / "Maildir"
    _mkdir(maildir, owner)
    _mkdir(home / "dovecot.rawlog", owner)  # Dovecot writes a rawlog only if this exists
    specs = {f.path: f for f in box.folders}
    specs.setdefault("INBOX", org.FolderSpec("INBOX"))
    folders: dict[str, Any] = {}
    acl: dict[str, dict[str, str]] = {}
    for spec in specs.values():
        parts = spec.path.split("/")
        for depth in range(1, len(parts)):  # parents nobody declared are \Noselect
            parent = "/".join(parts[:depth])
            if parent not in specs and parent not in folders:
                _mkdir(folder_dir(maildir, parent), owner)
                folders[parent] = _noselect()
        fdir = folder_dir(maildir, spec.path)
        _mkdir(fdir, owner)
        stats = _fill(fdir, box, spec, median_kb, owner)
        folders[spec.path] = _folder_truth(spec.path, stats)
        if spec.acl:
            lines = ["owner lrwstipekxa"] + [f"{ident} {rights}" for ident, rights in spec.acl]
            _write_owned(fdir / "dovecot-acl", "\n".join(lines) + "\n", owner)
            acl[spec.path] = {ident.removeprefix("user="): r for ident, r in spec.acl}
    return {
        "name": box.name,
        "kind": box.kind,
        "quota_limit_bytes": box.quota,
        "folders": dict(sorted(folders.items())),
        "acl": acl,
    }


@dataclass(frozen=True)
class Planned:
    """One message of a seeded folder, as the seed decides it (nothing written yet)."""

    size: int
    when: int  # INTERNALDATE, seconds since the epoch
    flags: str  # Maildir flag letters
    sender: str = ""
    to: str = ""
    subject: str = ""
    link: int | None = None  # repeats the link-th reusable message (a hard link)
    reusable: bool = False  # later messages may repeat this one


def plan_folder(address: str, spec: org.FolderSpec, median_kb: float) -> Iterator[Planned]:
    """The messages of one folder, in order, from the folder's own seeded generator.

    The Maildir seed writes exactly these; the EWS lab serves the same sizes.
    """
    rng = random.Random(f"{address}\0{spec.path}")
    span_start = rng.randint(FIRST_DATE, LAST_DATE - 86_400 * 400)
    span = LAST_DATE - span_start
    sent = spec.path.split("/", 1)[0] in ("Sent", "Drafts")
    total = spec.messages + len(spec.fixed)
    slots = rng.sample(range(total), len(spec.fixed))
    fixed_at = dict(zip(slots, spec.fixed, strict=True))
    reusable: list[tuple[int, int]] = []  # (size, when)
    for i in range(total):
        if spec.distinct is not None and len(reusable) >= spec.distinct and i not in fixed_at:
            k = rng.randrange(len(reusable))
            size, when = reusable[k]
            yield Planned(size, when, random_flags(rng, spec.path), link=k)
            continue
        if i in fixed_at:
            size = fixed_at[i]
        elif spec.sizes == "tiny":
            size = rng.randint(430, 520)
        elif spec.sizes == "small":
            size = rng.randint(2048, 4096)
        else:
            size = lognormal_size(rng, median_kb * 1024)
        when = span_start + int(span * rng.random())
        other = rng.choice(_EXTERNAL)
        sender, to = (address, other) if sent else (other, address)
        flags = random_flags(rng, spec.path)
        subject = make_subject(rng, i)
        keep = i not in fixed_at  # exact-size messages stay unique
        yield Planned(size, when, flags, sender, to, subject, reusable=keep)
        if keep:
            reusable.append((size, when))


def _fill(
    fdir: Path,
    box: org.MailboxSpec,
    spec: org.FolderSpec,
    median_kb: float,
    owner: tuple[int, int] | None,
) -> Stats:
    seed_str = f"{box.address}\0{spec.path}"
    tag = f"{zlib.crc32(seed_str.encode()):08x}"
    writer = FolderWriter(fdir, owner, tag)
    try:
        names: list[str] = []  # file names of the reusable messages
        for m in plan_folder(box.address, spec, median_kb):
            if m.link is not None:
                writer.link(names[m.link], m.size, m.when, m.flags)
                continue
            name = writer.write(m.size, m.when, m.flags, m.sender, m.to, m.subject)
            if m.reusable:
                names.append(name)
    finally:
        writer.close()
    return writer.stats


def _iso(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


def _folder_truth(path: str, stats: Stats) -> dict[str, Any]:
    return {
        "messages": stats.messages,
        "bytes": stats.bytes,
        "largest": stats.largest if stats.messages else None,
        "oldest": _iso(stats.oldest),
        "newest": _iso(stats.newest),
        "histogram": stats.histogram,
        "noselect": False,
        "special_use": dovecot.SPECIAL_USE.get(path),
        "flags": stats.flags,
    }


def _noselect() -> dict[str, Any]:
    return {
        "messages": None,
        "bytes": None,
        "largest": None,
        "oldest": None,
        "newest": None,
        "histogram": None,
        "noselect": True,
        "special_use": None,
        "flags": None,
    }


def _write_owned(path: Path, text: str, owner: tuple[int, int] | None) -> None:
    path.write_text(text, encoding="utf-8")
    if owner is not None:
        os.chown(path, *owner)
