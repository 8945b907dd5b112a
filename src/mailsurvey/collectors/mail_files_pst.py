"""Outlook PST and OST files, read with libpff (``pypff``) from a file opened ``rb``.

The folders counted are those of the mailbox: below the store's IPM subtree (PST: the
store names it, usually "Top of Personal Folders"; OST: ``Root - Mailbox/IPM_SUBTREE``).
Search folders, views and an OST's public folders are not mail to migrate. Every item
counts (mail, appointments, contacts: a folder's class says which), with the size Outlook
stores (``PR_MESSAGE_SIZE``) and the delivery time, else the time it was sent.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypff  # type: ignore[import-not-found]

from .mail_files_read import Counted, DamagedFile, FolderPlan

PR_MESSAGE_SIZE = 0x0E08
PR_DISPLAY_NAME = 0x3001
PR_CONTAINER_CLASS = 0x3613
PR_IPM_SUBTREE_ENTRYID = 0x35E0
SPECIAL_ENTRYIDS = {0x35E3: "\\Trash", 0x35E4: "\\Sent"}  # store properties -> special use
_OST_MAILBOX_ROOT = ("Root - Mailbox", "IPM_SUBTREE")


def _pff_text(exc: BaseException) -> str:
    """libpff's message is a chain of function names; its first sentence says it."""
    return str(exc).split(". ", 1)[0].split(": ", 1)[-1]


def _entry(item: Any, entry_type: int) -> Any:
    if not item.number_of_record_sets:
        return None
    return item.get_record_set(0).get_entry_by_type(entry_type)


def _int(item: Any, entry_type: int) -> int | None:
    entry = _entry(item, entry_type)
    return None if entry is None or entry.data is None else int(entry.data_as_integer)


def _text(item: Any, entry_type: int) -> str | None:
    entry = _entry(item, entry_type)
    if entry is None or entry.data is None:
        return None
    return str(entry.data_as_string) or None


def _nid(item: Any, entry_type: int) -> int | None:
    """The node id an entry id (``PR_*_ENTRYID``) points at: its last four bytes."""
    entry = _entry(item, entry_type)
    data = None if entry is None else entry.data
    return int.from_bytes(data[-4:], "little") if data and len(data) >= 24 else None


class PstMailbox:
    """One PST or OST file, open for reading until ``close``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh = path.open("rb")
        self._pff = pypff.file()
        try:
            self._pff.open_file_object(self._fh)
            store = self._pff.get_message_store()
            self._root = self._pff.get_root_folder()
        except OSError as exc:
            self.close()
            raise DamagedFile(f"{path}: not a readable PST/OST file ({_pff_text(exc)})") from None
        self.display_name = _text(store, PR_DISPLAY_NAME) if store is not None else None
        self._top = _nid(store, PR_IPM_SUBTREE_ENTRYID) if store is not None else None
        self._special = {
            nid: use
            for entry, use in SPECIAL_ENTRYIDS.items()
            if store is not None and (nid := _nid(store, entry)) is not None
        }

    def close(self) -> None:
        with contextlib.suppress(OSError):  # never opened
            self._pff.close()
        self._fh.close()

    def folders(self) -> Iterator[FolderPlan]:
        """Below the IPM subtree, depth first; the root's own items, if any, as its name."""
        top = self._mailbox_root()
        if top.number_of_sub_messages:
            yield FolderPlan(top.name or "(root)", self._counter(top))
        stack: list[tuple[tuple[str, ...], Any]] = [
            ((), top.get_sub_folder(i)) for i in reversed(range(top.number_of_sub_folders))
        ]
        while stack:
            parents, folder = stack.pop()
            names = (*parents, folder.name or "")
            yield FolderPlan("/".join(names), self._counter(folder))
            stack += [
                (names, folder.get_sub_folder(i))
                for i in reversed(range(folder.number_of_sub_folders))
            ]

    def _mailbox_root(self) -> Any:
        if self._top is not None:
            found = _find(self._root, lambda f: f.identifier == self._top)
            if found is not None:
                return found
        node = self._root
        for name in _OST_MAILBOX_ROOT:
            node = next((f for f in node.sub_folders if f.name == name), None)
            if node is None:
                raise DamagedFile(
                    f"{self.path}: the mailbox's folders cannot be found (no IPM subtree)"
                )
        return node

    def _counter(self, folder: Any) -> Any:
        return lambda: self._count(folder)

    def _count(self, folder: Any) -> Counted:
        counted = Counted(
            folder_class=_text(folder, PR_CONTAINER_CLASS),
            special_use=self._special.get(folder.identifier),
        )
        total = folder.number_of_sub_messages
        for i in range(total):
            try:
                item = folder.get_sub_message(i)
                size = _int(item, PR_MESSAGE_SIZE)
                when = item.delivery_time or item.client_submit_time
            except OSError as exc:
                raise DamagedFile(
                    f"{self.path}: item {i + 1} of {total} in {folder.name!r} cannot be read "
                    f"({_pff_text(exc)})"
                ) from None
            ts = _posix(when)
            counted.agg.add(size or 0, ts)
            counted.unsized += size is None
            counted.undated += ts is None
        return counted


def _posix(when: datetime | None) -> int | None:
    """libpff gives FILETIMEs as naive UTC datetimes; 1601-01-01 (zero) means unset."""
    if when is None or when.year <= 1601:
        return None
    return int(when.replace(tzinfo=UTC).timestamp())


def _find(folder: Any, match: Any) -> Any:
    stack = [folder]
    while stack:
        node = stack.pop()
        if match(node):
            return node
        stack += list(node.sub_folders)
    return None
