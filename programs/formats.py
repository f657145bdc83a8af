"""Money as partners read it: a Decimal amount with its explicit ISO 4217
currency, grouped and with the decimal mark of the active language (Django's
locale formats), the symbol where that language puts it: ``1 234,56 €`` in
French, ``1.234,56 €`` in German, ``€1,234.56`` in English."""

import re
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import get_currency_precision
from django.utils import translation
from django.utils.formats import number_format

#: symbols of the usual program currencies; others are written as their code
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}
#: languages writing the currency after the amount (with a no-break space)
SYMBOL_AFTER = frozenset({"fr", "de", "es"})


def minor_unit(currency: str) -> Decimal:
    """The smallest amount of ``currency`` (CLDR, through Babel): 1 for JPY,
    0.01 for EUR, 0.001 for KWD; amounts are rounded to it."""
    return Decimal(1).scaleb(-get_currency_precision((currency or "").upper() or "XXX"))


def round_money(amount: Decimal | int, currency: str, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` rounded to ``currency``'s minor unit (whole yen, cents, fils
    of KWD): the one rounding every stored or shown amount goes through.
    Half-up by default; ceilings pass ``ROUND_DOWN`` so nobody is promised
    more than the percentage allows."""
    return Decimal(amount).quantize(minor_unit(currency), rounding=rounding)


def money(amount: Decimal | int | None, currency: str, *, language: str | None = None) -> str:
    """``amount`` in ``currency`` formatted for ``language`` (default: the active one)."""
    if amount is None:
        return ""
    language = (language or translation.get_language() or "en").split("-")[0]
    currency = (currency or "").upper()
    # Minor units from CLDR (through Babel): JPY 0, EUR 2, KWD and BHD 3.
    places = get_currency_precision(currency) if currency else 2
    rounded = round_money(amount, currency)
    # The sign leads the whole amount (-$7,200.00, not $-7,200.00), as CLDR writes it.
    sign = "-" if rounded < 0 else ""
    if translation.get_language() == language:
        # Switching languages costs more than the formatting (a report shows thousands of amounts).
        figure = number_format(abs(rounded), decimal_pos=places, use_l10n=True, force_grouping=True)
    else:
        with translation.override(language):
            figure = number_format(abs(rounded), decimal_pos=places, use_l10n=True, force_grouping=True)
    symbol = SYMBOLS.get(currency)
    if language in SYMBOL_AFTER:
        return f"{sign}{figure}\u00a0{symbol or currency}"
    return f"{sign}{symbol}{figure}" if symbol else f"{sign}{currency}\u00a0{figure}"


def amount_text(amount: Decimal | None, currency: str) -> str | None:
    """``amount`` as a plain machine-readable string with exactly the
    currency's minor digits (APIs, exports): "25000.00" USD, "1200" JPY,
    "12.345" KWD. Stored amounts keep three decimals for every currency."""
    if amount is None:
        return None
    return str(round_money(amount, currency))


def decimal_text(value: Decimal) -> str:
    """A rate or percentage as people write it, without trailing zeros or
    exponent: 50.00 → "50", 12.50 → "12.5", 160 → "160" (``str`` of the
    normalized value would write "1.6E+2")."""
    return format(value.normalize(), "f")


#: Han, kana and hangul: names written in these scripts put the family name first
FAMILY_NAME_FIRST_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def person_name(user) -> str:
    """A person's full name in the order of the name itself (as CLDR's person
    names do): 山田 太郎 family name first, Jane Smith given name first, in
    every language of the page. Empty when the person gave no name."""
    given, family = (user.first_name or "").strip(), (user.last_name or "").strip()
    if FAMILY_NAME_FIRST_SCRIPT.search(given + family):
        return f"{family} {given}".strip()
    return f"{given} {family}".strip()
