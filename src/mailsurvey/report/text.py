"""Text helpers shared by every writer: untrusted text made visible, file-name slugs."""

from __future__ import annotations

import re
import unicodedata

# C0 controls (U+0000..U+001F) -> Control Pictures (U+2400..U+241F), DEL -> U+2421.
# Lone surrogates (from a surrogateescape decode) and the XML non-characters U+FFFE/U+FFFF
# cannot be written to XML (xlsx) or UTF-8 (html): they become U+FFFD, still visible.
_VISIBLE = {code: 0x2400 + code for code in range(0x20)}
_VISIBLE[0x7F] = 0x2421
_VISIBLE.update({code: 0xFFFD for code in range(0xD800, 0xE000)})
_VISIBLE[0xFFFE] = 0xFFFD
_VISIBLE[0xFFFF] = 0xFFFD
# Bidirectional overrides and isolates reorder what follows them ("\u202etxt.exe" reads
# as "exe.txt"): a name must not disguise itself, so they are shown as their code point.
_VISIBLE_BIDI: dict[int, str] = {
    code: f"<U+{code:04X}>"
    for code in (0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
}
_VISIBLE_ALL: dict[int, int | str] = {**_VISIBLE, **_VISIBLE_BIDI}


def visible(text: str) -> str:
    """Return ``text`` with every control character replaced by a printable stand-in.

    Nothing is dropped: ``"a\\x01b"`` becomes ``"a\u2401b"``, so a reader sees that the
    name holds a control character, and no writer can choke on it.
    """
    return text.translate(_VISIBLE_ALL)


# Letters NFKD does not decompose into ASCII.
_ASCII_EXTRA = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "Th",
        "\u0131": "i",
    }
)


def slug(text: str, default: str = "client") -> str:
    """ASCII, lower-case, hyphen-separated: ``"Łódź Sp. z o.o."`` -> ``"lodz-sp-z-o-o"``."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.translate(_ASCII_EXTRA))
        .encode("ascii", "ignore")
        .decode("ascii")
    )
    result = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return result[:80].strip("-") or default
