"""How each figure of a report was obtained, as the collectors and the assessment actually
do it: the About sheet's method table (``views_about``), one row per figure and source type.
Each text says the operations, the fields read, how sizes and dates are taken and what is
left unknown; keep it in step with the module it describes.
"""

from __future__ import annotations

from .i18n import N_

EVERY = "any"  # a method row shown whatever the sources
PRICING = "pricing"  # a method row shown when the config priced the migration (a quote)

# (source type, figure, how it was obtained, read from): msgids, as the collectors do it.
METHODS: tuple[tuple[str, str, str, str], ...] = (
    (
        "imap",
        N_("IMAP mailboxes"),
        N_(
            "The accounts the config lists (accounts: a CSV file or a list), each logged in"
            " to (master user, its own password or an XOAUTH2 token); folders are opened"
            " with EXAMINE, never SELECT, so nothing is marked read."
        ),
        N_("IMAP server, config"),
    ),
    (
        "imap",
        N_("IMAP folders"),
        N_(
            "LIST of the personal namespace (other users' and shared namespaces left out),"
            " with the STATUS of every folder in the same answer where the server offers"
            " LIST-STATUS."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP messages and size of a folder"),
        N_(
            "The server's own figures (STATUS MESSAGES and SIZE) where it offers STATUS=SIZE,"
            " ESEARCH and ESORT and the folder did not change meanwhile; otherwise, or with"
            " count_method: fetch, the sum of RFC822.SIZE of every message (FETCH RFC822.SIZE"
            " INTERNALDATE in batches). The Folders sheet's Method column says which."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP message sizes, largest, oldest and newest message"),
        N_(
            "With the server's figures: UID SEARCH RETURN (COUNT) LARGER per size class and"
            " UID SORT RETURN (MIN MAX) by arrival and size, then the size and INTERNALDATE"
            " of those messages; otherwise counted from every message's RFC822.SIZE and"
            " INTERNALDATE. Dates are when the server received the message, in UTC."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP quota"),
        N_(
            "GETQUOTAROOT INBOX: the STORAGE (units of 1024 bytes) and MESSAGE resources of"
            " its quota root; no quota root means no limit. Unknown where the server does"
            " not offer QUOTA."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP permissions"),
        N_(
            "GETACL of every folder where the server offers ACL (the owner's own entry left"
            " out); where GETACL is refused, MYRIGHTS: the rights of the scan's login."
        ),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("IMAP server software and version"),
        N_("The ID command's answer where the server offers ID, otherwise its greeting."),
        N_("IMAP server"),
    ),
    (
        "imap",
        N_("Gmail: messages counted once"),
        N_(
            "Where the server offers X-GM-EXT-1 (Gmail), a label is a folder, so a message"
            " with several labels is in several folders: every folder is then read with FETCH"
            " RFC822.SIZE INTERNALDATE X-GM-MSGID (never the server's own counts) and a"
            " message is counted once by its X-GM-MSGID, the same in every folder. Unknown"
            " when a folder was not read or a message came without its X-GM-MSGID."
        ),
        N_("IMAP server (Gmail)"),
    ),
    (
        "imap",
        N_("IMAP throughput probe"),
        N_(
            "Read only, on 1, 2, 4, ... connections up to the planned concurrency, within the"
            " probe: budget (seconds, megabytes) split evenly over the levels: each"
            " connection logs in to a mailbox drawn by the scan's size classes and, per size"
            " class, in one folder: EXAMINE, NOOP (the round trip), UID SEARCH LARGER SMALLER"
            " for that class's messages, a small message alone; then, once all are set up,"
            " UID FETCH BODY.PEEK[] batches of up to 10 messages (16 MB) back to back until"
            " the level's budget is spent. Every request is timed."
        ),
        N_("IMAP server (probe)"),
    ),
    (
        "exchange",
        N_("Exchange mailboxes"),
        N_(
            "The mailboxes the config lists, or with mailboxes: from_ad the directory's"
            " mailbox users; read over EWS by impersonation or as a delegate, with Get and"
            " Find operations only."
        ),
        N_("Exchange (EWS), config or directory"),
    ),
    (
        "exchange",
        N_("Exchange folders and sizes"),
        N_(
            "One deep FindFolder under the top of the mailbox, the online archive and both"
            " Recoverable Items: each folder's class, item count (TotalCount) and size"
            " (PR_MESSAGE_SIZE_EXTENDED, 0x0E08). Message size classes, oldest and newest"
            " are not read (unknown)."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "exchange",
        N_("Exchange items over 35 MB"),
        N_(
            "A FindItem restricted to items whose PR_MESSAGE_SIZE (0x0E08) is over 35 MB, only"
            " in folders large enough to hold one."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "exchange",
        N_("Exchange permissions and delegates"),
        N_(
            "The permissions of the top of the mailbox, Inbox and Calendar (GetFolder); the"
            " delegates with their folder rights (GetDelegate)."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "exchange",
        N_("Inbox rules"),
        N_(
            "GetInboxRules per mailbox; a rule forwards outside when a recipient's SMTP"
            " address is outside the organisation's accepted domains."
        ),
        N_("Exchange (EWS)"),
    ),
    (
        "exchange",
        N_("Exchange throughput probe"),
        N_(
            "Read only over EWS, as EWS migration tools read: 1, 2, 4, ... mailboxes at once"
            " (one per connection) up to the planned concurrency, drawn by the bytes of"
            " their mail folders, within the probe: budget split evenly over the levels. Per"
            " connection: two minimal GetFolder round trips, one FindFolder, one FindItem page"
            " of item ids and sizes in up to four mail folders; then GetItem batches of up to"
            " 10 items (16 MB) with their MIME content, one size class at a time, until the"
            " level's budget is spent. Back-offs the server asks for (BackOffMilliseconds,"
            " Retry-After) are waited out and kept: a throttled probe is a finding."
        ),
        N_("Exchange (EWS, probe)"),
    ),
    (
        "active_directory",
        N_("Directory identities"),
        N_(
            "A paged LDAP search (read only) under base_dn for users, groups and contacts:"
            " addresses (mail, proxyAddresses), recipient type (msExchRecipientTypeDetails),"
            " account state, forwarding, group members."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Last logon and inactive mailboxes"),
        N_(
            "lastLogonTimestamp, which a domain controller updates only once it is 9 to 14"
            " days old (by default), so it may lag the real last logon; a user mailbox whose"
            " account is disabled or whose last logon is older than inactive_days is inactive"
            " (shared, room and equipment mailboxes never are)."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Full Access, Send As, Send on Behalf"),
        N_(
            "Full Access: the allow entries of msExchMailboxSecurityDescriptor (SELF left"
            " out) and msExchDelegateListLink (automapping); Send As: allow entries for the"
            " Send-As extended right in the nTSecurityDescriptor's DACL; Send on Behalf:"
            " publicDelegates."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Devices"),
        N_(
            "The msExchActiveSyncDevice objects under base_dn; the owner is the user the"
            " device's container belongs to."
        ),
        N_("Active Directory"),
    ),
    (
        "active_directory",
        N_("Exchange servers, databases, accepted domains"),
        N_(
            "The configuration partition under CN=Microsoft Exchange,CN=Services:"
            " msExchExchangeServer (version from serialNumber), msExchMDB and"
            " msExchAcceptedDomain objects."
        ),
        N_("Active Directory"),
    ),
    (
        "exchange_export",
        N_("Exchange mailboxes from an export"),
        N_(
            "The CSV files sample_configs/exchange-export.ps1 writes in the Exchange"
            " Management Shell (Get-* cmdlets only); mailsurvey only reads them. One mailbox"
            " per row of MailboxStatistics.csv (Get-MailboxStatistics joined with"
            " Get-Mailbox): its size (TotalItemSize), type (RecipientTypeDetails) and quota"
            " (ProhibitSendReceiveQuota, or the database's with UseDatabaseQuotaDefaults)."
        ),
        N_("Exchange export (CSV)"),
    ),
    (
        "exchange_export",
        N_("Exchange folders from an export"),
        N_(
            "Get-MailboxFolderStatistics -FolderScope All, and -Archive for an online"
            " archive: each folder's ItemsInFolder and FolderSize; Recoverable Items by"
            " FolderType. Message size classes, largest, oldest and newest message are not in"
            " the export (unknown); the folders of a mailbox missing from the file are"
            " unknown."
        ),
        N_("Exchange export (CSV)"),
    ),
    (
        "exchange_export",
        N_("Permissions and devices from an export"),
        N_(
            "Full Access: the explicit Allow entries of Get-MailboxPermission (SELF,"
            " inherited and Deny entries left out); Send As: Get-RecipientPermission, else"
            " Get-ADPermission's Send-As entries; devices: Get-MobileDeviceStatistics."
            " Trustees are matched to mailboxes by the names the statistics file gives"
            " (identity, user principal name, DOMAIN\\account, alias, display name). A"
            " missing optional file is skipped: what it holds is unknown."
        ),
        N_("Exchange export (CSV)"),
    ),
    (
        "exchange_export",
        N_("Sizes and dates in an export"),
        N_(
            'Sizes from the bytes in brackets ("1.23 GB (1,320,702,362 bytes)") in any'
            " culture's digit grouping, or Unlimited; dates as the admin's session culture"
            " writes them (ExportInfo.csv, or the source's culture or date_format), in its"
            " time zone (timezone, else plan.timezone). A value that does not parse is named"
            " by file, line and column, and what it belongs to is failed or unknown, never 0."
        ),
        N_("Exchange export (CSV)"),
    ),
    (
        "mail_files",
        N_("Mailboxes from mail files"),
        N_(
            "Every entry of path (a file or a directory) is one mailbox, named by its"
            " address (jan@acme.nl.pst, or a plain name with domain:) or as the mailboxes:"
            " CSV (entry,address[,kind]) maps it; its format from what it is: .pst or .ost, a"
            " Maildir (cur and new; Maildir++ .Sub.Folder or nested directories), a directory"
            " of mbox files (Name.sbd holds sub-folders), one mbox file (INBOX). Files are"
            " only opened for reading; nothing is locked."
        ),
        N_("Mail files"),
    ),
    (
        "mail_files",
        N_("Messages, sizes and dates in mbox and Maildir"),
        N_(
            "Every message is read: in mbox its bytes as stored, without the From separator"
            " line; in Maildir the S= of the file name, else the file's size (cur and new;"
            " tmp holds unfinished deliveries). The date is the Date header (without a zone"
            " taken as UTC); a message without a readable one is counted but not dated, and"
            " a note says how many. An mbox file that does not start with a From line fails"
            " its folder; other files beside mbox files are named in a note, not counted."
        ),
        N_("Mail files"),
    ),
    (
        "mail_files",
        N_("Items, sizes and dates in PST and OST"),
        N_(
            "Read with libpff below the store's IPM subtree (search folders, views and an"
            " OST's public folders left out): every item (mail, appointments, contacts: the"
            " folder's class says which) with the size Outlook stored (PR_MESSAGE_SIZE) and"
            " the delivery time, else the time it was sent. An item without a stored size"
            " makes its folder's size unknown; an item that cannot be read fails its folder."
        ),
        N_("Mail files"),
    ),
    (
        "dns",
        N_("DNS records of the mail domains"),
        N_(
            "The domains the config lists, or with domains: from_ad the accepted domains the"
            " directory found; per domain MX, TXT (SPF), _dmarc TXT, DKIM at"
            " <selector>._domainkey for the config's and common selectors (a key with p= not"
            " empty, or a CNAME there), the autodiscover CNAME and _autodiscover._tcp SRV."
            " Asked with dnspython of the system's resolver or the nameservers given, over"
            " UDP, again over TCP when an answer is truncated."
        ),
        N_("DNS"),
    ),
    (
        "dns",
        N_("SPF lookups and DMARC policy"),
        N_(
            "checkdmarc evaluates the SPF record through its includes, redirects, a, mx, ptr"
            " and exists, counting DNS lookups as RFC 7208 does (more than 10 is a problem),"
            " and finds loops, void lookups and syntax errors; two SPF records are an error"
            " and not evaluated. It parses the DMARC record's p, sp and rua; pct is read from"
            " the record itself."
        ),
        N_("DNS"),
    ),
    (
        "dns",
        N_("Unknown DNS answers"),
        N_(
            "NXDOMAIN and an empty answer are facts (a domain that does not exist is a"
            " finding); SERVFAIL, REFUSED and a timeout are not: when the MX question fails"
            " the domain is unknown, when a later one fails that part (SPF, DMARC, DKIM,"
            " autodiscover) is unknown and no problem is claimed about it."
        ),
        N_("DNS"),
    ),
    (
        EVERY,
        N_("Coverage"),
        N_(
            "Every account, folder, directory partition and probe is one unit that ends ok,"
            " partial, failed or skipped with a reason; a figure of a unit not read is"
            " unknown, never 0."
        ),
        N_("The scan itself"),
    ),
    (
        EVERY,
        N_("Forecast (P50, P90)"),
        N_(
            "The throughput probe of each IMAP and Exchange source downloads whole messages"
            " (IMAP: BODY.PEEK[]; EWS: GetItem with the MIME content); per concurrency level"
            " costs per request (the median round trip), per message and per byte are fitted"
            " from the timings (least squares on relative error, no cost below 0), and the"
            " waits a throttling server asked for are spread over the messages read. The"
            " method profile adds how the method uses the link and the target's caps; the"
            " mailboxes are scheduled longest first, sharing the link. A mailbox not scanned"
            " whole, or of a source without a probe (mail files, an Exchange export), is not"
            " forecast (unknown); a method that reads another protocol than the probe gets a"
            " note. P90: the wider of the fit's bootstrap and the method's measured error."
        ),
        N_("IMAP or Exchange server (probe), method profile"),
    ),
    (
        EVERY,
        N_("Start moment and timeline"),
        N_(
            "Back from the cutover: the final delta's P90, a margin (4 h or 10 % of the bulk"
            " copy's P90) and the bulk copy's P90; the start is moved earlier to a working"
            " moment (working hours, a weekday that is not a public holiday of the plan's"
            " country)."
        ),
        N_("Forecast, plan settings"),
    ),
    (
        EVERY,
        N_("Waves"),
        N_(
            "Mailboxes that share rights (any permission above) move together; accounts"
            " joined to very many mailboxes are set aside; the groups are packed into waves"
            " that fit one migration window at the planned concurrency."
        ),
        N_("Permissions, forecast, plan settings"),
    ),
    (
        EVERY,
        N_("Findings"),
        N_(
            "Each check compares the inventory with the target profile's published limits;"
            " a finding on figures not completely known says at least or unknown."
        ),
        N_("Inventory, target profiles"),
    ),
    (
        PRICING,
        N_("Quote"),
        N_(
            "A line per mailbox, billed or excluded as pricing: exclude says: a duplicate"
            " (the same address in another source: billed once, in the first source by"
            " name), inactive (the directory says its account is disabled or has not logged"
            " on within inactive_days) or empty (every folder read, none holds a message)."
            " Billed: per_mailbox (per_shared_mailbox for shared, room and equipment"
            " mailboxes), per_gb per GiB (2^30 bytes) of the whole mailbox (archive and"
            " Recoverable Items included: the folders' sum, else the quota used), per_archive"
            " per online archive, per_hour per hour"
            " of the forecast bulk copy's P90 rounded up to a tenth, fixed once. Lines are"
            " exact; each component is rounded once, half up, to the currency's minor unit,"
            " and the total adds them. A size, archive or forecast that is not known is never"
            " billed as 0: the total says at least and those mailboxes are listed to price by"
            " hand."
        ),
        N_("Inventory, findings, forecast, pricing settings"),
    ),
)
