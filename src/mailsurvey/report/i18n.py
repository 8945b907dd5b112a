"""Languages of the reports: gettext catalogs (.po, msgid = English) and locale formatting.

The catalogs live in ``report_templates/locale/<lang>/LC_MESSAGES/mailsurvey.po`` and are
read with babel at render time (compiled to .mo in memory), so there is no compile step.
Every UI string in the code is marked ``N_("...")`` or wrapped in ``Word("...")`` (a
sentence with figures: ``Phrase(N_("..."), args)``); the templates use ``_("...")``. A
test extracts them all and checks each has a translation.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from babel import Locale
from babel.dates import format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from ..model import Reason, Status, UnitKind

LANGUAGES: tuple[str, ...] = ("en", "nl", "pl")
DOMAIN = "mailsurvey"
# English for a European audience: 24-hour clock, day-month-year.
_LOCALES = {"en": "en_GB", "nl": "nl_NL", "pl": "pl_PL"}


def N_(msgid: str) -> str:
    """Mark a string for translation; it is translated where it is shown."""
    return msgid


@dataclass(frozen=True)
class Word:
    """A cell value that is one of our own words (translated), never scanned text."""

    msgid: str


@dataclass(frozen=True)
class Phrase:
    """A sentence of ours with figures: ``msgid % args`` once both are in the language.

    Mark the msgid with ``N_()``. Arguments: numbers (formatted per locale; a float with
    one decimal), datetimes (a naive wall-clock moment, with the weekday), ``Word`` (ours,
    translated) and ``str`` (shown as given, so the writer makes it visible)."""

    msgid: str
    args: tuple[tuple[str, int | float | str | Word | datetime], ...] = ()


NO_LIMIT = Word("No limit")
NOT_KNOWN = Word("unknown")

# Our words for model values, translated where they are shown.
STATUS_WORDS = {
    Status.OK: Word("OK"),
    Status.PARTIAL: Word("Partial"),
    Status.FAILED: Word("Failed"),
    Status.SKIPPED: Word("Skipped"),
}
REASON_WORDS = {
    Reason.NONE: Word("No reason given"),
    Reason.AUTH: Word("Credentials rejected"),
    Reason.CREDENTIAL_MISSING: Word("Credentials missing"),
    Reason.TLS: Word("TLS or certificate error"),
    Reason.CONNECT: Word("Connection failed"),
    Reason.TIMEOUT: Word("Timed out"),
    Reason.DISCONNECTED: Word("Connection dropped"),
    Reason.PROTOCOL: Word("Protocol error"),
    Reason.VANISHED: Word("Disappeared during the scan"),
    Reason.PERMISSION: Word("Access denied"),
    Reason.UNSUPPORTED: Word("Not supported"),
    Reason.INTERRUPTED: Word("Scan interrupted"),
    Reason.BUDGET: Word("Time or volume budget ran out"),
    Reason.THROTTLED: Word("Throttled by the server"),
    Reason.UNAVAILABLE: Word("Mailbox not available now"),
    Reason.INTERNAL: Word("Internal error in mailsurvey"),
}
KIND_WORDS = {
    UnitKind.ACCOUNT: Word("Account"),
    UnitKind.FOLDER: Word("Folder"),
    UnitKind.PARTITION: Word("Directory partition"),
    UnitKind.PROBE: Word("Throughput probe"),
    UnitKind.DOMAIN: Word("Mail domain"),
    UnitKind.FILE: Word("Export file"),
}
MAILBOX_KIND_WORDS = {
    "user": Word("User"),
    "shared": Word("Shared"),
    "room": Word("Room mailbox"),
    "equipment": Word("Equipment mailbox"),
    "unknown": Word("Not determined"),
}
AREA_WORDS = {  # the part of a mailbox a folder is in (Exchange; IMAP folders: "mailbox")
    "mailbox": Word("Mailbox"),
    "recoverable": Word("Recoverable Items"),
    "archive": Word("Online archive"),
    "archive_recoverable": Word("Archive: Recoverable Items"),
}
SECURITY_WORDS = {
    "tls": Word("TLS"),
    "starttls": Word("STARTTLS"),
    "plain": Word("Unencrypted"),
    "file": Word("Files (no connection)"),
    "dns": Word("Public DNS records (no login)"),
}
NOT_APPLICABLE = Word("Not applicable")
COMPLETE = Word("Complete")
INCOMPLETE = Word("Incomplete")
WHOLE_MAILBOX = Word("(whole mailbox)")
AT_LEAST = Word("At least: some figures are unknown")


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(
            f"unknown report language {language!r}: choose one of {', '.join(LANGUAGES)}"
        )
    return language


def templates_dir() -> Path:
    """``report_templates``: inside the package (wheel) or at the root of a source tree."""
    package = Path(__file__).resolve().parent.parent  # .../mailsurvey
    candidates = [package / "report_templates", package.parent.parent / "report_templates"]
    for candidate in candidates:
        if (candidate / "report.html.j2").is_file():
            return candidate
    raise FileNotFoundError(
        "report_templates not found (looked in " + ", ".join(str(c) for c in candidates) + ")"
    )


def po_path(language: str) -> Path:
    return templates_dir() / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """A gettext translations object for jinja2's i18n extension and the xlsx writer."""
    check_language(language)
    if language == "en":
        return gettext.NullTranslations()
    with po_path(language).open("rb") as fh:
        catalog = read_po(fh, locale=language, domain=DOMAIN)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def locale(language: str) -> Locale:
    return Locale.parse(_LOCALES[check_language(language)])


def moment(value: datetime, language: str) -> str:
    """A wall-clock moment with its weekday: "Fri, 12 Jun 2026 18:00", "vr 12 jun 2026 18:00"."""
    loc = locale(language)
    day = format_skeleton("yMMMEd", value, locale=loc)
    return f"{day} {format_time(value, 'HH:mm', locale=loc)}"


def say(phrase: Phrase, language: str, show: Callable[[str], str] = str) -> str:
    """The phrase in ``language``; ``show`` is applied to ``str`` arguments (scanned text)."""
    _ = translations(language).gettext
    loc = locale(language)
    values: dict[str, str] = {}
    for name, value in phrase.args:
        if isinstance(value, Word):
            values[name] = _(value.msgid)
        elif isinstance(value, str):
            values[name] = show(value)
        elif isinstance(value, datetime):
            values[name] = moment(value, language)
        elif isinstance(value, float):
            values[name] = str(format_decimal(value, "#,##0.0", locale=loc))
        else:
            values[name] = str(format_decimal(value, locale=loc))
    return _(phrase.msgid) % values
