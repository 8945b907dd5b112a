"""Migration method profiles: how a method uses the link and what its target allows.

A forecast is for a named method because the method decides the cost (DESIGN.md,
Forecast): a tool that waits for each message pays a round trip per message, a
pipelining one pays mostly for bytes; a client-side tool carries the volume through the
migrating host twice (down from the source, up to the target); a cloud service brings
its own concurrency and rate caps. Client profiles hold the per-message and per-mailbox
cost the tool adds on top of what the probe measures on the source, calibrated by
``bench/forecast.py`` against real copies; service profiles hold published limits, each
with where it was published.

A reference is ``"<url> (<page title>)"``, followed for a service's published limit by the
fields it is the source of in brackets: ``"<url> (<page title>) [max_message_bytes]"``.
A limit that no source publishes stays None, and the profile says so in a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

MB = 1024**2  # the sources write "MB" and don't say which; read as 2**20 bytes
GB = 1024**3

# The fields of a service profile that are published limits: each needs a reference.
PUBLISHED_LIMITS = (
    "default_concurrency",
    "max_concurrency",
    "daily_bytes_per_mailbox",
    "max_message_bytes",
    "max_items_per_mailbox",
)


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
    max_message_bytes: int | None = None  # larger messages are not migrated (skipped)
    max_items_per_mailbox: int | None = None  # items past this are not migrated
    per_message_s: float = 0.0  # the tool's and target's own cost per message
    per_byte_s: float = 0.0  # ... and per byte (both calibrated by bench/forecast.py)
    # P90 is at least P50 x (1 + this): the forecast's error against real copies as
    # bench/forecast.py measured it (worst scenario), or a wider guess where unchecked
    forecast_error: float = 0.3
    copies_per_core: float | None = None  # copies a core of the migrating host runs at full
    # speed at once; beyond that the tool's costs above grow (None: they never contend)
    per_mailbox_s: float = 0.0  # start, logins, listing on both sides
    validated_by: str | None = None  # how the profile was checked against real copies
    references: tuple[str, ...] = ()  # "<url> (<page title>) [fields it is the source of]"
    # the protocols it reads a source with: a source probed with another one is forecast
    # from that probe's figures, with a note saying so
    reads: frozenset[str] = frozenset({"imap"})


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
            # what mbsync and a Dovecot target on the migrating host add, calibrated with
            # bench/forecast.py on a 2-core host (loopback copies of 5 KB .. 20 MB
            # messages, 1 to 3 at once): 2 ms a message, 12 ns a byte, and one copy per
            # core before they slow each other down. A linear fit: mid-sized messages
            # (20-100 KB) cost mbsync more than it says, small ones less (see the bench)
            per_message_s=2.0e-3,
            per_byte_s=1.2e-8,
            copies_per_core=1.0,
            forecast_error=0.2,  # worst of four scenarios: 16.6 % (2026-11-22)
            per_mailbox_s=0.0,
            validated_by="bench/forecast.py (real mbsync copies through a shaped link)",
            references=("https://isync.sourceforge.io/mbsync.html (PipelineDepth)",),
        ),
        # offlineimap3 copies one message at a time: Base.copymessageto() fetches it from
        # the source (UID FETCH) and then saves it to the target (APPEND; without UIDPLUS
        # on the target it also searches for the new UID), so two round trips a message
        # and no pipelining. maxconnections (per repository, default 1; offlineimap.conf:
        # "The safe answer is 1") parallelises within one account, not across mailboxes;
        # mailboxes at once is how many instances the runner starts (offlineimap.conf
        # recommends one instance per account). The folder cost is mbsync's starting
        # value. Not yet checked against real copies.
        MethodProfile(
            id="offlineimap3",
            title="OfflineIMAP3 (IMAP to IMAP, one message at a time)",
            side="client",
            pipelined=False,
            folder_round_trips=4.0,
            message_round_trips=2.0,
            carries_twice=True,
            default_concurrency=4,
            max_concurrency=None,
            validated_by=None,
            references=(
                "https://github.com/OfflineIMAP/offlineimap3/blob/master/offlineimap.conf"
                " (offlineimap.conf: maxconnections, maxsyncaccounts)",
                "https://github.com/OfflineIMAP/offlineimap3/blob/master/offlineimap/folder/Base.py"
                " (BaseFolder.copymessageto)",
            ),
        ),
        # Microsoft's IMAP migration (migration endpoint + batch, run by the Mailbox
        # Replication Service) pulls from the source over the internet: nothing passes the
        # migrating host. Not documented as pipelining: assumed one round trip a message
        # (fetch; the append is inside Microsoft) and, per folder, select + list on the
        # source.
        # Concurrency: Microsoft publishes conflicting defaults. The performance and best
        # practices page (its IMAP/cutover/staged "migration engine" section) says 20
        # mailboxes by default, raised with Set-MigrationEndpoint -MaxConcurrentMigrations
        # "to a maximum of 100"; the New-MigrationEndpoint reference says the default is
        # 100 for all migration types; KB 2797784 and the Exchange team blog give a limit
        # of 300 per endpoint type. Kept: 20 (IMAP-specific, the slower) and 300 (the
        # later limit).
        # Not published as figures: a throughput or per-mailbox daily cap (the best
        # practices page describes migration-service and resource-health throttling
        # without numbers), and any per-folder item limit.
        MethodProfile(
            id="exo-imap",
            title="Microsoft 365 / Exchange Online IMAP migration (migration batches)",
            side="service",
            pipelined=False,
            folder_round_trips=2.0,
            message_round_trips=1.0,
            carries_twice=False,
            default_concurrency=20,
            max_concurrency=300,
            daily_bytes_per_mailbox=None,
            max_message_bytes=35 * MB,
            max_items_per_mailbox=500_000,
            validated_by=None,
            references=(
                "https://learn.microsoft.com/exchange/mailbox-migration/migrating-imap-mailboxes/"
                "migrating-imap-mailboxes (What you need to know about migrating your IMAP"
                " mailboxes to Microsoft 365 or Office 365) [max_message_bytes,"
                " max_items_per_mailbox]",
                "https://learn.microsoft.com/exchange/mailbox-migration/"
                "office-365-migration-best-practices (Microsoft 365 and Office 365 email"
                " migration performance and best practices) [default_concurrency]",
                "https://support.microsoft.com/help/2797784 (How to manage the maximum"
                " concurrent migration batches in Exchange Online in Microsoft 365)"
                " [max_concurrency]",
                "https://learn.microsoft.com/powershell/module/exchangepowershell/"
                "new-migrationendpoint (New-MigrationEndpoint: MaxConcurrentMigrations,"
                " default 100)",
            ),
        ),
        # Google Workspace's new data migration service ("Data migration (New)") from an
        # IMAP server: pulls from the source over the internet, nothing passes the migrating
        # host. Not documented as pipelining: assumed one round trip a message.
        # Concurrency: a migration from an IMAP server takes up to 100 users, and a new
        # migration can't start until the completed one is exited, so 100 mailboxes at
        # most. The "migration speed" (simultaneous requests to the source, default 100)
        # processes twice its value in users at a time, so at the default all of a
        # migration's users run at once.
        # Message size: a message plus attachments larger than 25 MB is not migrated.
        # Not published: a per-user daily cap for this service. Gmail's bandwidth limits
        # (support.google.com/a/answer/1071518) cap uploads *via IMAP* per user per day,
        # but the service does not upload through IMAP and Google does not say they apply
        # to it, so daily_bytes_per_mailbox stays None. No per-mailbox item limit either.
        MethodProfile(
            id="google-dms",
            title="Google Workspace data migration service (new), from IMAP",
            side="service",
            pipelined=False,
            folder_round_trips=2.0,
            message_round_trips=1.0,
            carries_twice=False,
            default_concurrency=100,
            max_concurrency=100,
            daily_bytes_per_mailbox=None,
            max_message_bytes=25 * MB,
            max_items_per_mailbox=None,
            validated_by=None,
            references=(
                "https://support.google.com/a/answer/15315754 (About migrating email with the"
                " new data migration service) [default_concurrency, max_concurrency,"
                " max_message_bytes]",
                "https://support.google.com/a/answer/7026549 (Adjust the migration speed)"
                " [default_concurrency]",
                "https://support.google.com/a/answer/14792325 (Migrate email from an IMAP"
                " account: exit a completed migration before starting a new one)"
                " [max_concurrency]",
            ),
        ),
        # Google Workspace Migrate, from Exchange: Google's migration software that the
        # customer runs on its own Windows servers (a platform server and nodes), reading
        # Exchange over EWS (Exchange Web Services must be enabled and reachable from them)
        # and writing to Google's APIs. So a probe of EWS from the host that will run it is
        # the right vantage, and the volume crosses that site's link twice. How it uses EWS
        # is not documented: assumed one request per item (GetItem with the MIME content,
        # as the EWS probe reads) and, per folder, a FindFolder and a FindItem. Not
        # published: a default concurrency (it depends on the nodes deployed; 10 mailboxes
        # at once here, a planning value), a throughput or a per-user cap.
        # Microsoft's migrations from Exchange read otherwise: cutover and staged pull over
        # Outlook Anywhere (RPC over HTTP, New-MigrationEndpoint -ExchangeOutlookAnywhere),
        # a hybrid remote move over MRSProxy (-ExchangeRemoteMove): the same server and web
        # front end as EWS, another protocol, run from Microsoft's side. They have no profile
        # yet (the exo-* targets forecast with exo-imap); an EWS probe stands in for them.
        MethodProfile(
            id="google-gwm",
            title="Google Workspace Migrate (from Exchange over EWS)",
            side="client",
            pipelined=False,
            folder_round_trips=2.0,
            message_round_trips=1.0,
            carries_twice=True,
            default_concurrency=10,
            max_concurrency=None,
            validated_by=None,
            reads=frozenset({"ews"}),
            references=(
                "https://support.google.com/workspacemigrate/answer/9226336 (Exchange"
                " requirements: Exchange Web Services)",
                "https://learn.microsoft.com/powershell/module/exchangepowershell/"
                "new-migrationendpoint (New-MigrationEndpoint: ExchangeOutlookAnywhere,"
                " ExchangeRemoteMove)",
            ),
        ),
    )
}
