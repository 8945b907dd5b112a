"""Target profiles: what a migration target and method accept, each limit with its source.

A limit that is not published, or does not apply, is None (never a guess dressed as a
figure); ``references`` name where each published limit comes from, with the fields it
is the source of in brackets: ``"<url> (<page title>) [max_item_bytes]"``.
"""

from __future__ import annotations

from dataclasses import dataclass

KIB, MIB, GIB = 1024, 1024**2, 1024**3


@dataclass(frozen=True)
class TargetProfile:
    id: str
    title: str
    method: str  # the migration method profile (assess/methods.py) this target implies
    max_item_bytes: int | None = None  # larger items are not migrated
    max_items_per_mailbox: int | None = None
    max_items_per_folder: int | None = None
    max_subfolders: int | None = None  # folders under one folder
    max_depth: int | None = None  # folder nesting
    max_path_chars: int | None = None  # a folder's full path
    refused_folder_chars: str = ""  # a folder whose name holds one of these is dropped
    mailbox_quota_bytes: int | None = None  # the target mailbox size (by the usual licence)
    shared_free_bytes: int | None = None  # a shared mailbox larger than this needs a licence
    archive_quota_bytes: int | None = None
    recoverable_quota_bytes: int | None = None
    carries: frozenset[str] = frozenset({"mail"})  # mail, calendar, contacts, tasks, notes
    max_mailboxes: int | None = None  # per migration (a cutover batch)
    recommended_max_mailboxes: int | None = None
    references: tuple[str, ...] = ()


PROFILES: dict[str, TargetProfile] = {}
