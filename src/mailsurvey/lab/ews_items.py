"""A folder's items, made from its ``Items`` spec: sizes, received times, subjects.

Folders that mirror an IMAP folder take the messages ``seed.plan_folder`` plans (so
counts and bytes equal the IMAP lab's ground truth); the others are generated from their
own seeded ``random.Random``. Sizes live in compact arrays, so a folder of 200,000 items
costs a few MB; the result is cached per spec.
"""

from __future__ import annotations

import functools
import random
from array import array
from dataclasses import dataclass

from .ews_org import Items
from .maildir import FIRST_DATE, LAST_DATE, lognormal_size
from .seed import plan_folder


@dataclass(frozen=True, eq=False)
class Realized:
    sizes: array[int]
    when: array[int]  # seconds since the epoch
    unread: int
    subjects: tuple[str, ...] | None  # None: "<subject> <n>"
    subject: str
    element: str  # the item's XML element: Message, CalendarItem, Contact, Task, Item
    item_class: str

    @property
    def count(self) -> int:
        return len(self.sizes)

    @functools.cached_property
    def bytes(self) -> int:
        return sum(self.sizes)

    @functools.cached_property
    def largest(self) -> int | None:
        return max(self.sizes) if self.sizes else None

    def subject_of(self, i: int) -> str:
        if self.subjects is not None:
            return self.subjects[i]
        return f"{self.subject} {i + 1}"


EMPTY = Realized(array("q"), array("q"), 0, None, "", "Message", "IPM.Note")


@functools.cache
def realize(items: Items | None) -> Realized:
    """The items ``items`` describes (none for None)."""
    if items is None:
        return EMPTY
    if items.imap is not None:
        return _from_imap(items)
    return _generated(items)


def _from_imap(items: Items) -> Realized:
    assert items.imap is not None
    sizes, when = array("q"), array("q")
    subjects: list[str] = []
    reusable: list[str] = []
    unread = 0
    for m in plan_folder(items.imap_owner, items.imap, items.imap_median_kb):
        sizes.append(m.size)
        when.append(m.when)
        unread += "S" not in m.flags
        subject = reusable[m.link] if m.link is not None else m.subject
        subjects.append(subject)
        if m.reusable:
            reusable.append(subject)
    return Realized(sizes, when, unread, tuple(subjects), "", "Message", "IPM.Note")


def _generated(items: Items) -> Realized:
    rng = random.Random(items.seed)
    total = items.count + len(items.fixed)
    fixed_at = dict(zip(rng.sample(range(total), len(items.fixed)), items.fixed, strict=True))
    span = LAST_DATE - FIRST_DATE
    sizes, when = array("q"), array("q")
    for i in range(total):
        if i in fixed_at:
            sizes.append(fixed_at[i])
        elif items.hi:
            sizes.append(rng.randint(items.lo, items.hi))
        else:
            sizes.append(lognormal_size(rng, items.median))
        when.append(FIRST_DATE + int(span * rng.random()))
    return Realized(sizes, when, 0, None, items.subject, items.element, items.item_class)
