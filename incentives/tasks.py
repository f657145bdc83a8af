import datetime
from dataclasses import asdict

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils import timezone

from .services.accruals import (
    RateChange,
    accrual_holds_retry,
    accrual_holds_waiting,
    deal_accruals_compute,
    deals_closed_since,
    rate_change_may_concern_rebates,
    rebates_compute,
    rebates_resettle_for_rate_change,
)
from .services.statements import statements_generate


@shared_task(ignore_result=True, acks_late=True)
def compute_deal_accruals(deal_id: int, event_id: int | None = None):
    deal_accruals_compute(deal_id=deal_id, event_id=event_id)


def request_deal_accruals(*, deal, event=None) -> None:
    """The deals app calls this (through ``deals.outcomes``) when a deal is
    won, lost or corrected, with the event that recorded it: the worker
    computes its accruals (and the rebates of the periods it left or joined)
    once the change is committed."""
    compute_deal_accruals.delay_on_commit(deal.pk, event.pk if event is not None else None)


@shared_task(ignore_result=True, acks_late=True)
def recompute_accruals_since(program_id: int, since: str):
    """A rule version back-dated to ``since``: every deal of that program's
    kind closed since then is recomputed (one task per deal, idempotent;
    held for beat where the broker stops answering midway)."""
    for deal_id in deals_closed_since(program_id=program_id, since=datetime.date.fromisoformat(since)):
        compute_deal_accruals.delay_or_hold(deal_id)


def request_backdated_recomputation(*, version) -> None:
    """Queue the recomputation a version in force before today calls for."""
    if version is not None and version.effective_from < timezone.localdate():
        recompute_accruals_since.delay_on_commit(version.program_id, version.effective_from.isoformat())


def _rate_change_and_actor(change: dict | None):
    rate_change = RateChange(**change) if change else None
    user_id = rate_change.changed_by_id if rate_change is not None else None
    return rate_change, get_user_model().objects.filter(pk=user_id).first() if user_id else None


@shared_task(ignore_result=True, acks_late=True)
def retry_accrual_holds_for_rate(source_currency: str, target_currency: str, valid_from: str, change=None):
    rate_change, actor = _rate_change_and_actor(change)
    accrual_holds_retry(
        source_currency=source_currency,
        target_currency=target_currency,
        rate_valid_from=datetime.date.fromisoformat(valid_from),
        rate_change=rate_change,
        actor=actor,
    )


def request_accrual_holds_retry(*, rate, previous=None, user=None, deleted=False) -> None:
    """Programs calls this (through ``programs.services.exchange``) when
    finance saves an exchange rate: the rebates waiting for it are settled on
    the worker once the rate is committed, not at the next daily run (a
    deleted rate settles no wait)."""
    if deleted:
        return
    waiting = accrual_holds_waiting(
        source_currency=rate.source_currency, target_currency=rate.target_currency, rate_valid_from=rate.valid_from
    )
    if waiting.exists():
        retry_accrual_holds_for_rate.delay_on_commit(
            rate.source_currency,
            rate.target_currency,
            rate.valid_from.isoformat(),
            asdict(RateChange.of(rate=rate, previous=previous, user=user)),
        )


@shared_task(ignore_result=True, acks_late=True)
def resettle_rebates_for_rate_change(change: dict):
    rate_change, actor = _rate_change_and_actor(change)
    rebates_resettle_for_rate_change(change=rate_change, actor=actor)


def request_rebates_resettlement(*, rate, previous=None, user=None, deleted=False) -> None:
    """Programs calls this when finance saves or deletes an exchange rate,
    inside the admin's request: when a rebate program counts in a currency
    the change converts to (one cheap query), the worker looks, once the
    change is committed, for the rebates of ended periods it settles
    differently (a standing line converted with a rate it replaced, or a
    period without a line it may lift to a step) and settles them again."""
    change = RateChange.of(rate=rate, previous=previous, user=user, deleted=deleted)
    if rate_change_may_concern_rebates(change=change):
        resettle_rebates_for_rate_change.delay_on_commit(asdict(change))


@shared_task(ignore_result=True, acks_late=True)
def close_incentive_periods(period_end: str | None = None):
    """Daily: retry the rebates waiting for an exchange rate, settle the
    rebates of the periods that ended yesterday, then draft the statements
    of the payouts due that day (all idempotent)."""
    day = datetime.date.fromisoformat(period_end) if period_end else timezone.localdate() - datetime.timedelta(days=1)
    accrual_holds_retry()
    rebates_compute(period_end=day)
    statements_generate(period_end=day)
