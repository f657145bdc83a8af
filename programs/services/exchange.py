"""Converting won deal amounts into the program currency with the exchange
rates finance and channel ops maintain in the admin.

Higher apps act on a new or changed rate (incentives retries the rebates
that waited for it) without programs importing them: they register a
listener here in their AppConfig.ready, and :func:`exchange_rate_record`
calls every listener inside its transaction (listeners queue their work on
commit)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from wagtail.log_actions import log

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


ExchangeRateListener = Callable[..., None]
_rate_listeners: list[ExchangeRateListener] = []


def register_exchange_rate_listener(listener: ExchangeRateListener) -> None:
    """``listener(rate=rate, previous=previous, user=user)`` is called whenever
    a rate is entered or changed: ``previous`` is the rate as it was stored
    before an edit (None for a new rate), ``user`` who saved it."""
    if listener not in _rate_listeners:
        _rate_listeners.append(listener)


@transaction.atomic
def exchange_rate_record(*, rate: ExchangeRate, user=None) -> ExchangeRate:
    """Save a rate finance entered or changed (validated first: a bad rate
    raises ``ValidationError`` and nothing is stored), log who did it, and
    tell every listener (what waited for this rate, or was computed with its
    former value, is settled on commit)."""
    created = rate.pk is None
    rate.full_clean()
    # The stored values an edit replaces: listeners settle again what used them.
    previous = None if created else ExchangeRate.objects.select_for_update().filter(pk=rate.pk).first()
    rate.save()
    log(instance=rate, action="wagtail.create" if created else "wagtail.edit", user=user)
    for listener in _rate_listeners:
        listener(rate=rate, previous=previous, user=user)
    return rate
