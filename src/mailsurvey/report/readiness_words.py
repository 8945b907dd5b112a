"""Our words for the readiness checks: each check's title and fix hint by check id, each
target profile's title by id, and what a finding says by its reason code.

The English here repeats the checks' and profiles' own metadata (assess/), marked for
translation; a check or profile missing here falls back to its English metadata. A reason's
sentence names the figures it formats: ``REASONS[code] = (msgid, value unit, limit unit)``
with the units ``mb`` (bytes shown as MB), ``count`` (a count, characters or levels) or
None (the sentence has no such figure).
"""

from __future__ import annotations

from .i18n import N_, Word

CHECK_TITLES: dict[str, str] = {
    "archives_present": N_("Online archives to migrate"),
    "cutover_cap": N_("More mailboxes than one migration batch takes"),
    "devices_to_reconfigure": N_("Devices to reconfigure after the switch"),
    "duplicate_addresses": N_("Duplicate addresses"),
    "empty_mailboxes": N_("Empty mailboxes"),
    "external_forwarding": N_("Mail forwarded outside the organisation"),
    "folder_class_not_carried": N_("Calendars, contacts or tasks the method does not carry"),
    "folder_hierarchy": N_("Folder hierarchy too deep or too wide"),
    "folder_names_refused": N_("Folder names or paths the target refuses"),
    "folder_over_item_limit": N_("Folders or mailboxes over the target's item limit"),
    "gmail_label_duplication": N_("Gmail labels copied once per label"),
    "identity_mismatch": N_("Mailboxes without an identity, and the reverse"),
    "inactive_mailboxes": N_("Inactive mailboxes"),
    "item_over_size_limit": N_("Items over the target's size limit"),
    "mailbox_over_quota": N_("Mailboxes over the target's quota"),
    "shared_mailbox_licence": N_("Shared mailboxes that need a licence"),
}

CHECK_FIXES: dict[str, str] = {
    "archives_present": N_(
        "Quote the archives as extra work: a target archive (licence) and a migration of its own."
    ),
    "cutover_cap": N_(
        "Use a staged or batched method (waves), or migrate fewer mailboxes at once."
    ),
    "devices_to_reconfigure": N_(
        "Plan the reconfiguration of these phones and tablets with their users (or push a "
        "profile by MDM) for the cutover day."
    ),
    "duplicate_addresses": N_(
        "Decide which mailbox or object keeps the address; remove it from the others before "
        "the directory sync and the move."
    ),
    "empty_mailboxes": N_(
        "Ask the client whether these are still needed; an empty mailbox needs no data move."
    ),
    "external_forwarding": N_(
        "Ask the client whether each forward must stay; recreate the ones that must in the "
        "target (outbound forwarding is often blocked there by default)."
    ),
    "folder_class_not_carried": N_(
        "Export and import these separately (PST, CSV, ICS) or choose a method that carries them."
    ),
    "folder_hierarchy": N_(
        "Flatten the deepest folders, or spread the subfolders over a few parent folders."
    ),
    "folder_names_refused": N_(
        "Rename the folders (or shorten the path) before the move; otherwise they are dropped "
        "with their items."
    ),
    "folder_over_item_limit": N_(
        "Split the folder into subfolders (by year, say) or archive old items before the move."
    ),
    "gmail_label_duplication": N_(
        "Migrate All Mail only (labels as categories where the target has them), or exclude "
        "All Mail and accept the duplicates; quote the volume accordingly."
    ),
    "identity_mismatch": N_(
        "Create (or match) the directory account for each mailbox, and add the missing "
        "mailboxes to the scan or mark them not to migrate."
    ),
    "inactive_mailboxes": N_(
        "Ask the client whether to migrate them (a licence each), convert them to shared, or "
        "leave them out."
    ),
    "item_over_size_limit": N_(
        "Save the large attachments elsewhere (or move them to cloud storage) before the move; "
        "the migration skips these items."
    ),
    "mailbox_over_quota": N_(
        "Archive or clean up before the move, or plan a larger licence or an online archive."
    ),
    "shared_mailbox_licence": N_(
        "Quote a licence for these shared mailboxes, or shrink them below the free size."
    ),
}

TARGET_TITLES: dict[str, str] = {
    "exo-imap": N_("Microsoft 365 by IMAP migration (Exchange Online Plan 1 mailbox)"),
    "exo-cutover": N_("Microsoft 365 by cutover migration from Exchange (Plan 1 mailbox)"),
    "exo-staged": N_("Microsoft 365 by staged migration (Exchange 2003/2007 only; Plan 1 mailbox)"),
    "exo-hybrid": N_("Microsoft 365 by hybrid remote move (Exchange Online Plan 1 mailbox)"),
    "exo-hybrid-plan2": N_("Microsoft 365 by hybrid remote move (Exchange Online Plan 2 mailbox)"),
    "google-dms": N_("Google Workspace data migration service (new), from IMAP"),
    "google-gwm": N_("Google Workspace Migrate (from Exchange)"),
    "imap": N_("Another IMAP server"),
}

NOT_KNOWN_REASON = "not_known"
CHECK_FAILED = "check_failed"

REASONS: dict[str, tuple[str, str | None, str | None]] = {
    "item_over_limit": (N_("%(value)s item(s) larger than %(limit)s MB"), "count", "mb"),
    "mailbox_over_quota": (
        N_("Mailbox of %(value)s MB, over the quota of %(limit)s MB"),
        "mb",
        "mb",
    ),
    "archive_over_quota": (
        N_("Archive of %(value)s MB, over its quota of %(limit)s MB"),
        "mb",
        "mb",
    ),
    "recoverable_over_quota": (
        N_("Recoverable Items of %(value)s MB, over the quota of %(limit)s MB"),
        "mb",
        "mb",
    ),
    "shared_needs_licence": (
        N_("Shared mailbox of %(value)s MB, over the %(limit)s MB held free"),
        "mb",
        "mb",
    ),
    "archive_present": (N_("Online archive of %(value)s MB"), "mb", None),
    "over_cap": (
        N_("%(value)s mailboxes, over the cap of %(limit)s in one batch"),
        "count",
        "count",
    ),
    "over_recommended": (
        N_("%(value)s mailboxes, more than the recommended %(limit)s"),
        "count",
        "count",
    ),
    "folder_over_item_limit": (
        N_("%(value)s items in the folder, over the limit of %(limit)s"),
        "count",
        "count",
    ),
    "mailbox_over_item_limit": (
        N_("%(value)s items in the mailbox, over the limit of %(limit)s"),
        "count",
        "count",
    ),
    "too_deep": (
        N_("Nested %(value)s levels deep, over the limit of %(limit)s levels"),
        "count",
        "count",
    ),
    "too_wide": (
        N_("%(value)s subfolders in one folder, over the limit of %(limit)s"),
        "count",
        "count",
    ),
    "name_refused": (
        N_("The folder's name holds a character the target refuses (%(value)s items)"),
        "count",
        None,
    ),
    "path_too_long": (
        N_("A path of %(value)s characters, over the limit of %(limit)s characters"),
        "count",
        "count",
    ),
    "labels_counted": (  # counted once by X-GM-MSGID
        N_("%(value)s copies of %(limit)s distinct messages"),
        "count",
        "count",
    ),
    "labels_duplicate": (  # estimated from All Mail, Trash and Spam
        N_("%(value)s MB in the folders, of which the mail itself is about %(limit)s MB"),
        "mb",
        "mb",
    ),
    "devices": (N_("%(value)s device(s) to reconfigure"), "count", None),
    "mailbox_in_several_sources": (
        N_("The address is a mailbox in %(value)s sources"),
        "count",
        None,
    ),
    "address_on_several_objects": (
        N_("The address is on %(value)s directory objects"),
        "count",
        None,
    ),
    "calendar_not_carried": (N_("%(value)s calendar item(s) not carried"), "count", None),
    "contacts_not_carried": (N_("%(value)s contact(s) not carried"), "count", None),
    "tasks_not_carried": (N_("%(value)s task(s) not carried"), "count", None),
    "notes_not_carried": (N_("%(value)s note(s) not carried"), "count", None),
    "journal_not_carried": (N_("%(value)s journal item(s) not carried"), "count", None),
    "empty": (N_("No messages in any folder"), None, None),
    "rule_forwards_outside": (N_("An inbox rule forwards outside the organisation"), None, None),
    "directory_forward": (
        N_("The directory forwards this mailbox's mail (where to is not known)"),
        None,
        None,
    ),
    "directory_forwards_outside": (
        N_("The directory forwards this mailbox's mail outside the organisation"),
        None,
        None,
    ),
    "mailbox_without_identity": (N_("A mailbox without a directory identity"), None, None),
    "identity_without_mailbox": (N_("A directory identity without a scanned mailbox"), None, None),
    "account_disabled": (N_("The account is disabled"), None, None),
    "no_logon": (N_("The account never logged on"), None, None),
    "stale_logon": (N_("No logon for more than 90 days"), None, None),
    NOT_KNOWN_REASON: (N_("Cannot be told: the figures behind it are not known"), None, None),
    CHECK_FAILED: (N_("The check failed: an internal error in mailsurvey"), None, None),
}

SEVERITY_WORDS = {
    "blocker": Word("Blocker"),
    "warning": Word("Warning"),
    "info": Word("Info"),
}
SEVERITY_ORDER = {"blocker": 0, "warning": 1, "info": 2}
COMPLETE_FIGURES = Word("Known")
AT_LEAST_FIGURES = Word("At least")
UNKNOWN_FIGURES = Word("Unknown")
EVERY_TARGET = Word("Every target assessed")
SEVERAL_CHECKS = Word("Several checks")
NOT_READ = N_(
    "The mailbox was not read (%(status)s): %(count)s checks cannot tell; see the Errors sheet"
    " and the coverage"
)
SEE_ERRORS = Word("Scan the mailbox again; its failure is listed on the Errors sheet.")
NO_TARGETS = Word(
    "No target is assessed: set the config key targets (for example targets: [exo-imap])"
    " and render the report again."
)
