"""The Summary's message size classes, and whose messages they count.

Only a server that gives each message's size (IMAP, export files) fills the classes; an
Exchange folder reports its totals only. So the block says how many messages in how many
mailboxes it counts and which are left out, and when some sizes are not known every class
is marked as a lower bound (not only the classes of 35 MB and more)."""

from __future__ import annotations

from ..model import SIZE_BUCKET_LABELS
from ..store import Inventory
from .aggregate import Totals
from .i18n import N_, Phrase, Word
from .views import Column, Kind, Table, Value

AT_LEAST_ROW = Word("at least")
COUNTED = N_(
    "Counted: %(messages)s messages in %(mailboxes)s mailboxes, whose server gives each"
    " message's size."
)
NOT_COUNTED = N_(
    "Not counted: %(messages)s messages in %(mailboxes)s mailboxes of %(sources)s, whose"
    " folders report only their totals (Exchange gives no size per message)."
)


def histogram_view(inv: Inventory, t: Totals) -> Table:
    total = sum(t.histogram)
    mark: tuple[Value, ...] = () if t.histogram_complete else (AT_LEAST_ROW,)
    rows = tuple(
        (label, count, (count / total) if total else None, *mark)
        for label, count in zip(SIZE_BUCKET_LABELS, t.histogram, strict=True)
    )
    columns = (
        Column("bucket", N_("Message size"), width=16),
        Column("messages", N_("Messages"), Kind.INT, 12),
        Column("share", N_("Share"), Kind.PERCENT, 10),
        *((Column("figures", N_("Figures"), width=12),) if mark else ()),
    )
    sized = {(f.source, f.mailbox) for f in inv.folders if f.histogram is not None}
    notes = [Phrase(COUNTED, (("messages", total), ("mailboxes", len(sized))))]
    totals_only = [f for f in inv.folders if f.histogram is None and not f.noselect and f.messages]
    if totals_only:
        args: tuple[tuple[str, int | str], ...] = (
            ("messages", sum(f.messages or 0 for f in totals_only)),
            ("mailboxes", len({(f.source, f.mailbox) for f in totals_only})),
            ("sources", ", ".join(sorted({f.source for f in totals_only}))),
        )
        notes.append(Phrase(NOT_COUNTED, args))
    return Table("histogram", N_("Message sizes"), columns, rows, notes=tuple(notes))
