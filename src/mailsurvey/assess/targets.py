"""Target profiles: what a migration target and method accept, each limit with its source.

A limit that is not published, or does not apply, is None (never a guess dressed as a
figure); ``references`` name where each published limit comes from, with the fields it
is the source of in brackets: ``"<url> (<page title>) [max_item_bytes]"``. Sizes are read
as binary units, as in assess/methods.py (the sources write "MB"/"GB" and don't say which).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

KIB, MIB, GIB = 1024, 1024**2, 1024**3

# The fields that are published limits: each one that is set needs a reference naming it.
PUBLISHED_LIMITS = (
    "max_item_bytes",
    "max_items_per_mailbox",
    "max_items_per_folder",
    "max_subfolders",
    "max_depth",
    "max_path_chars",
    "refused_folder_chars",
    "mailbox_quota_bytes",
    "shared_free_bytes",
    "archive_quota_bytes",
    "recoverable_quota_bytes",
    "max_mailboxes",
    "recommended_max_mailboxes",
)

EVERYTHING = frozenset({"mail", "calendar", "contacts", "tasks", "notes"})


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


_IMAP_PAGE = (
    "https://learn.microsoft.com/exchange/mailbox-migration/migrating-imap-mailboxes/"
    "migrating-imap-mailboxes (What you need to know about migrating your IMAP mailboxes to"
    " Microsoft 365 or Office 365)"
)
_IMAP_TIPS = (
    "https://learn.microsoft.com/exchange/mailbox-migration/migrating-imap-mailboxes/"
    "optimizing-imap-migrations (Tips for optimizing IMAP migrations)"
)
_EXO_LIMITS = (
    "https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-"
    "description/exchange-online-limits (Exchange Online limits)"
)
_SHARED = (
    "https://learn.microsoft.com/microsoft-365/admin/email/remove-license-from-shared-mailbox"
    " (Remove a license from a shared mailbox)"
)
_BEST_PRACTICES = (
    "https://learn.microsoft.com/exchange/mailbox-migration/office-365-migration-best-practices"
    " (Microsoft 365 and Office 365 email migration performance and best practices)"
)
_IMAP_BLOG = (
    "https://techcommunity.microsoft.com/t5/exchange-team-blog/troubleshooting-imap-migrations-"
    "to-office-365/ba-p/608832 (Troubleshooting IMAP Migrations to Office 365)"
)

# What every Exchange Online mailbox is held to, whatever the method. Exchange Online limits,
# "Mailbox folder limits": 1 million messages per folder, 10,000 subfolders per folder, a
# hierarchy 300 deep. "Mailbox storage limits": a user mailbox holds 50 GB with Exchange Online
# Plan 1 and 100 GB with Plan 2; these profiles take Plan 1 (50 GB), the plan a small business
# usually has (the *-plan2 profile is for Plan 2). A shared mailbox without a licence holds
# 50 GB; beyond that it needs a Plan 2 licence (or Plan 1 with the Archiving add-on).
_EXO = TargetProfile(
    id="",
    title="",
    method="exo-imap",
    max_items_per_folder=1_000_000,
    max_subfolders=10_000,
    max_depth=300,
    mailbox_quota_bytes=50 * GIB,
    shared_free_bytes=50 * GIB,
)
_EXO_REFS = (
    f"{_EXO_LIMITS} [max_items_per_folder, max_subfolders, max_depth, mailbox_quota_bytes,"
    " shared_free_bytes]",
    f"{_SHARED} [shared_free_bytes]",
)

# Hybrid (remote move by the Mailbox Replication Service): Exchange Online limits gives
# 150 MB as the "Message size limit - migration", for move-based migrations through MRS.
# Archive: 50 GB with Plan 1; with Plan 2, 100 GB at first, auto-expanding archiving adds
# storage beyond that once turned on (so an archive over 100 GB needs it). Recoverable
# Items folder: 30 GB when the mailbox is not on hold, 100 GB on hold (the figure here is
# the not-on-hold one; a mailbox on hold has room up to 100 GB). The method is exo-imap only
# because no MRS method profile exists yet: it decides the forecast, not these limits.
_HYBRID = replace(
    _EXO,
    max_item_bytes=150 * MIB,
    archive_quota_bytes=50 * GIB,
    recoverable_quota_bytes=30 * GIB,
    carries=EVERYTHING,
)
_HYBRID_REFS = (
    f"{_EXO_LIMITS} [max_item_bytes, max_items_per_folder, max_subfolders, max_depth,"
    " mailbox_quota_bytes, shared_free_bytes, archive_quota_bytes, recoverable_quota_bytes]",
    f"{_SHARED} [shared_free_bytes]",
)

PROFILES: dict[str, TargetProfile] = {
    p.id: p
    for p in (
        # IMAP migration: mail folders only (no contacts, calendar, tasks), at most 500,000
        # items a mailbox (newest first), 35 MB the largest message. "Tips for optimizing
        # IMAP migrations": folders with a forward slash in the *name* aren't migrated
        # (rename them first): a name character, not the source's hierarchy separator.
        replace(
            _EXO,
            id="exo-imap",
            title="Microsoft 365 by IMAP migration (Exchange Online Plan 1 mailbox)",
            method="exo-imap",
            max_item_bytes=35 * MIB,
            max_items_per_mailbox=500_000,
            refused_folder_chars="/",
            carries=frozenset({"mail"}),
            references=(
                f"{_IMAP_PAGE} [max_item_bytes, max_items_per_mailbox]",
                f"{_IMAP_TIPS} [refused_folder_chars]",
                *_EXO_REFS,
            ),
        ),
        # Cutover (Exchange 2003 or later to Exchange Online, all mailboxes in one batch): at
        # most 2,000 mailboxes, 150 recommended. Item size: Exchange Online limits gives its
        # 150 MB migration figure for MRS moves only, and holds other methods to the tenant's
        # message size limit, which the admin sets: not a fixed figure, so None.
        replace(
            _EXO,
            id="exo-cutover",
            title="Microsoft 365 by cutover migration from Exchange (Plan 1 mailbox)",
            carries=frozenset({"mail", "calendar", "contacts", "tasks"}),
            max_mailboxes=2_000,
            recommended_max_mailboxes=150,
            references=(
                f"{_BEST_PRACTICES} [max_mailboxes, recommended_max_mailboxes]",
                *_EXO_REFS,
            ),
        ),
        # Staged: batches over weeks, for Exchange 2003 and 2007 sources only. No cap on
        # mailboxes was found; item size as for cutover.
        replace(
            _EXO,
            id="exo-staged",
            title="Microsoft 365 by staged migration (Exchange 2003/2007 only; Plan 1 mailbox)",
            carries=frozenset({"mail", "calendar", "contacts", "tasks"}),
            references=(*_EXO_REFS, _IMAP_BLOG),
        ),
        replace(
            _HYBRID,
            id="exo-hybrid",
            title="Microsoft 365 by hybrid remote move (Exchange Online Plan 1 mailbox)",
            references=_HYBRID_REFS,
        ),
        replace(
            _HYBRID,
            id="exo-hybrid-plan2",
            title="Microsoft 365 by hybrid remote move (Exchange Online Plan 2 mailbox)",
            mailbox_quota_bytes=100 * GIB,
            archive_quota_bytes=100 * GIB,  # before auto-expanding archiving adds more
            references=_HYBRID_REFS,
        ),
        # Google Workspace data migration service (new), from an IMAP server: mail only; a
        # message with its attachments over 25 MB is not migrated. Folder limits and the
        # mailbox quota (the Workspace edition's pooled storage) are not published for it.
        TargetProfile(
            id="google-dms",
            title="Google Workspace data migration service (new), from IMAP",
            method="google-dms",
            max_item_bytes=25 * MIB,
            carries=frozenset({"mail"}),
            references=(
                "https://support.google.com/a/answer/15315754 (About migrating email with the"
                " new data migration service) [max_item_bytes]",
            ),
        ),
        # Google Workspace Migrate (from Exchange): attachments over 25 MB are said to go to
        # Drive (a warning, not a blocker) and folder paths over 225 characters to be refused.
        # Neither figure was found in Google's own documentation with the search tool
        # (the Exchange watchpoints page below was, without them), so both stay None until
        # sourced; no max_item_bytes either, since large attachments are not dropped.
        # It reads Exchange over EWS (assess/methods.py, google-gwm).
        TargetProfile(
            id="google-gwm",
            title="Google Workspace Migrate (from Exchange)",
            method="google-gwm",
            carries=frozenset({"mail", "calendar", "contacts"}),
            references=(
                "https://support.google.com/workspacemigrate/answer/9226442 (Watchpoints and"
                " best practices for Exchange)",
            ),
        ),
        # Another IMAP host: nothing is published that holds for every server. Its quota is
        # the hosting plan's: mailbox_quota_bytes stays None here and the plan or target
        # config may set it; mbsync copies whatever IMAP shows, so mail only.
        TargetProfile(
            id="imap",
            title="Another IMAP server",
            method="mbsync",
            carries=frozenset({"mail"}),
        ),
    )
}
