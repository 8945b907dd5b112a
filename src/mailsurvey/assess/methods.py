"""Migration method profiles: how a method uses the link and what its target allows.

A forecast is for a named method because the method decides the cost (DESIGN.md,
Forecast): a tool that waits for each message pays a round trip per message, a
pipelining one pays mostly for bytes; a client-side tool carries the volume through the
migrating host twice (down from the source, up to the target); a cloud service brings
its own concurrency and rate caps. Client profiles hold the per-message and per-mailbox
cost the tool adds on top of what the probe measures on the source, calibrated by
``bench/forecast.py`` against real copies; service profiles hold published limits, each
with where it was published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GB = 1024**3


@dataclass(frozen=True)
class MethodProfile:
    id: str
    title: str
    side: Literal["client", "service"]
    pipelined: bool  # many messages in flight per connection: no round trip per message
    folder_round_trips: float  # select + list the folder on source and target
    message_round_trips: float  # per message when not pipelined (fetch; append)
    carries_twice: bool  # download and upload share the migrating host's uplink
    default_concurrency: int  # mailboxes copied at once
    max_concurrency: int | None
    daily_bytes_per_mailbox: int | None = None  # a per-user daily upload cap
    per_message_s: float = 0.0  # the tool's and target's own cost per message
    per_mailbox_s: float = 0.0  # start, logins, listing on both sides
    validated_by: str | None = None  # how the profile was checked against real copies
    references: tuple[str, ...] = ()


PROFILES: dict[str, MethodProfile] = {
    p.id: p
    for p in (
        MethodProfile(
            id="mbsync",
            title="isync/mbsync (IMAP to IMAP, pipelined)",
            side="client",
            pipelined=True,
            folder_round_trips=4.0,
            message_round_trips=0.0,
            carries_twice=True,
            default_concurrency=4,
            max_concurrency=None,
            per_message_s=0.0,
            per_mailbox_s=0.0,
            validated_by="bench/forecast.py (real mbsync copies through a shaped link)",
            references=("https://isync.sourceforge.io/mbsync.html (PipelineDepth)",),
        ),
    )
}
