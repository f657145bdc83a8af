"""Converting won deal amounts into the program currency with the exchange
rates finance and channel ops maintain in the admin."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from ..formats import round_money
from ..models import ExchangeRate, ProgramSettings


@dataclass(frozen=True)
class Conversion:
    """An amount in the program currency and the rate it was converted with
    (1 and the close date when the deal already was in the program currency)."""

    amount: Decimal
    currency: str
    rate: Decimal
    rate_date: datetime.date


def exchange_rate_on(*, source: str, target: str, day: datetime.date) -> ExchangeRate | None:
    """The rate of ``source`` → ``target`` in force on ``day`` (the latest one
    valid from that day or before), or None when finance has not entered one."""
    return (
        ExchangeRate.objects.filter(source_currency=source, target_currency=target, valid_from__lte=day)
        .order_by("-valid_from", "-pk")
        .first()
    )


def program_currency() -> str:
    return ProgramSettings.load().program_currency


def money_convert(*, amount: Decimal, currency: str, target: str, day: datetime.date) -> Conversion | None:
    """``amount`` of ``currency`` in ``target`` with the rate in force on
    ``day``, rounded half-up to ``target``'s minor unit; None when no rate
    applies (the caller must say so, never count it as 0)."""
    if currency == target:
        return Conversion(amount=amount, currency=target, rate=Decimal("1"), rate_date=day)
    rate = exchange_rate_on(source=currency, target=target, day=day)
    if rate is None:
        return None
    converted = round_money(amount * rate.rate, target)
    return Conversion(amount=converted, currency=target, rate=rate.rate, rate_date=rate.valid_from)


def money_to_program_currency(*, amount: Decimal, currency: str, day: datetime.date) -> Conversion | None:
    """``amount`` of ``currency`` in the program currency (see :func:`money_convert`)."""
    return money_convert(amount=amount, currency=currency, target=program_currency(), day=day)
