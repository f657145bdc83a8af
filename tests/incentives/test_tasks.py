"""Accruals are computed by a real Celery worker once the deal's change commits."""

import datetime
from decimal import Decimal

import pytest

from deals.models import DealStatus
from deals.services import deal_correct_outcome
from incentives.models import LedgerLine, LineKind
from tests.factories import OrganizationFactory, TierFactory
from tests.factories.incentives import incentive_program, won_deal


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_won_deal_accrues_on_the_worker_and_a_correction_reverses(celery_worker, wait_for):
    gold = TierFactory(name="Gold")
    partner = OrganizationFactory(tier=gold)
    incentive_program(tier_rates={gold: "5"})

    deal = won_deal(partner, amount="10000.00", closed_on=datetime.date(2026, 3, 10))

    line = wait_for(
        lambda: LedgerLine.objects.filter(deal=deal, kind=LineKind.ACCRUAL).first(),
        timeout=30,
        message="the worker to write the accrual",
    )
    assert (line.amount, line.currency, line.tier_name) == (Decimal("500.00"), "USD", "Gold")

    deal_correct_outcome(deal=deal, actor=None, reason="Customer cancelled", status=DealStatus.LOST)

    wait_for(
        lambda: LedgerLine.objects.filter(deal=deal, kind=LineKind.REVERSAL).exists(),
        timeout=30,
        message="the worker to reverse the accrual",
    )
    amounts = sorted(LedgerLine.objects.filter(deal=deal).values_list("amount", flat=True))
    assert amounts == [Decimal("-500.00"), Decimal("500.00")]
