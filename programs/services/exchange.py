"""Converting won deal amounts into the program currency with the exchange
rates finance and channel ops maintain in the admin.

Higher apps act on a new or changed rate (incentives retries the rebates
that waited for it) without programs importing them: they register a
listener here in their AppConfig.ready, and :func:`exchange_rate_record` and
:func:`exchange_rate_delete` call every listener inside their transaction
(listeners queue their work on commit)."""

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
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


ALREADY_DELETED = _("This exchange rate was already deleted (maybe by someone else): nothing was changed.")


def register_exchange_rate_listener(listener: ExchangeRateListener) -> None:
    """``listener(rate=rate, previous=previous, user=user, deleted=False)`` is
    called whenever a rate is entered, changed or deleted: ``previous`` is the
    rate as it was stored before an edit or a deletion (None for a new rate),
    ``user`` who did it; for a deletion ``deleted`` is True and ``rate`` is
    the deleted rate (no longer stored)."""
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
    if not created and previous is None:
        # Saving would insert it again as an edit that replaced nothing: listeners would miss the deletion.
        raise ValidationError(ALREADY_DELETED, code="already_deleted")
    rate.save()
    log(instance=rate, action="wagtail.create" if created else "wagtail.edit", user=user)
    _tell_listeners(rate=rate, previous=previous, user=user)
    return rate


def _tell_listeners(*, rate: ExchangeRate, previous: ExchangeRate | None, user, deleted: bool = False) -> None:
    for listener in _rate_listeners:
        listener(rate=rate, previous=previous, user=user, deleted=deleted)


@transaction.atomic
def exchange_rate_delete(*, rate: ExchangeRate, user=None) -> ExchangeRate:
    """Delete a rate finance no longer wants, log who did it, and tell every
    listener: what was converted with it is converted again with the rate now
    in force on each date (rebates and confirmed wins), or waits for a rate
    when none is left (the rebate's hold and the registrations page say
    which). Records keep the rate's value and first day, not a link to it, so
    every figure computed with it stays explainable. Raises
    ``ValidationError`` when the rate is already gone."""
    stored = ExchangeRate.objects.select_for_update().filter(pk=rate.pk).first() if rate.pk else None
    if stored is None:
        raise ValidationError(ALREADY_DELETED, code="already_deleted")
    log(instance=stored, action="wagtail.delete", user=user, deleted=True)
    deleted = copy.copy(stored)
    stored.delete()
    _tell_listeners(rate=deleted, previous=deleted, user=user, deleted=True)
    return deleted
