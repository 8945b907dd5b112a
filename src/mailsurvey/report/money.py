"""Amounts of money (``Kind.MONEY``, a Decimal in the currency the column's ``unit`` names)
as each writer shows them: the locale's currency pattern (symbol before or after, the
currency's decimals) as an Excel number format, and as text in the HTML."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision, get_currency_symbol

from .i18n import locale


def excel_format(currency: str | None, language: str) -> str:
    """An Excel number format with the currency's symbol where the locale puts it:
    ``"€" #,##0.00`` (nl), ``#,##0.00 "zł"`` (pl); the value stays a number."""
    if not currency:
        return "#,##0.00"
    loc = locale(language)
    symbol = get_currency_symbol(currency, locale=loc).replace('"', "")
    digits = get_currency_precision(currency)
    number = "#,##0" + ("." + "0" * digits if digits else "")
    pattern = loc.currency_formats["standard"].pattern
    out = []
    for part in pattern.split(";"):
        body = part.replace("¤", "\x00")
        body = body.replace("#,##0.00", number).replace("\xa0", " ").replace("\u202f", " ")
        out.append(body.replace("\x00", f'"{symbol}"'))
    return ";".join(out)


def html_text(value: Decimal | int | float, currency: str | None, language: str) -> str:
    """The amount with its currency, per locale: "€ 1.234,50", "1 234,50 zł"."""
    if not currency:
        return str(value)
    return str(format_currency(value, currency, locale=locale(language)))
