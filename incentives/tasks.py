import datetime

from celery import shared_task
from django.utils import timezone

from .services.accruals import deal_accruals_compute, rebates_compute
from .services.statements import statements_generate


@shared_task(ignore_result=True, acks_late=True)
def compute_deal_accruals(deal_id: int):
    deal_accruals_compute(deal_id=deal_id)


def request_deal_accruals(*, deal) -> None:
    """The deals app calls this (through ``deals.outcomes``) when a deal is
    won, lost or corrected: the worker computes its accruals once the change
    is committed."""
    compute_deal_accruals.delay_on_commit(deal.pk)


@shared_task(ignore_result=True, acks_late=True)
def close_incentive_periods(period_end: str | None = None):
    """Daily: settle the rebates of the periods that ended yesterday, then
    draft the statements of the payouts due that day (both idempotent)."""
    day = datetime.date.fromisoformat(period_end) if period_end else timezone.localdate() - datetime.timedelta(days=1)
    rebates_compute(period_end=day)
    statements_generate(period_end=day)
