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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backdated_rule_change_is_applied_to_deals_closed_since(celery_worker, wait_for):
    from django.db import transaction

    from incentives.services.rules import program_rules_record
    from incentives.tasks import request_backdated_recomputation

    gold = TierFactory(name="Gold")
    partner = OrganizationFactory(tier=gold)
    program = incentive_program(tier_rates={gold: "5"})
    before = won_deal(partner, amount="1000.00", closed_on=datetime.date(2026, 2, 1))
    after = won_deal(partner, amount="1000.00", closed_on=datetime.date(2026, 3, 1))
    wait_for(lambda: LedgerLine.objects.filter(deal__in=[before, after]).count() == 2, timeout=30, message="accruals")

    with transaction.atomic():
        program.tier_rates.update(rate=Decimal("8"))
        program.rules_effective_from = datetime.date(2026, 2, 15)
        program.save()
        request_backdated_recomputation(version=program_rules_record(program=program))

    wait_for(
        lambda: LedgerLine.objects.filter(deal=after, amount=Decimal("80.00")).exists(),
        timeout=30,
        message="the worker to recompute the deal closed after the new version's date",
    )
    assert sorted(LedgerLine.objects.filter(deal=after).values_list("amount", flat=True)) == [
        Decimal("-50.00"),
        Decimal("50.00"),
        Decimal("80.00"),
    ]
    assert list(LedgerLine.objects.filter(deal=before).values_list("amount", flat=True)) == [Decimal("50.00")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_close_date_corrected_into_the_next_quarter_resettles_the_old_rebate_on_the_worker(celery_worker, wait_for):
    from deals.models import DealEventKind
    from incentives.services.accruals import rebates_compute
    from tests.factories import UserFactory

    partner = OrganizationFactory(tier=TierFactory(name="Gold"))
    rebate = incentive_program("rebate", rebate_period="quarterly", steps=[("250000", "2"), ("500000", "3")])
    won_deal(partner, amount="420000.00", closed_on=datetime.date(2026, 2, 10))
    late_march = won_deal(partner, amount="100000.00", closed_on=datetime.date(2026, 3, 30))
    standing = LedgerLine.objects.filter(program=rebate, kind=LineKind.REBATE, reversed_by__isnull=True)
    # Each late confirmation settles the ended quarter again (420,000 at 2 %, then 520,000 at 3 %).
    wait_for(
        lambda: list(standing.values_list("amount", flat=True)) == [Decimal("15600.00")],
        timeout=30,
        message="the worker to settle the ended quarter's rebate on both confirmed wins",
    )
    rebates_compute(period_end=datetime.date(2026, 3, 31))  # the daily close: nothing more to write
    before = LedgerLine.objects.filter(program=rebate).count()
    anna = UserFactory(username="ops-anna")

    deal_correct_outcome(deal=late_march, actor=anna, reason="Signed on 2 April", closed_on=datetime.date(2026, 4, 2))

    wait_for(
        lambda: LedgerLine.objects.filter(program=rebate).count() == before + 2,
        timeout=30,
        message="the worker to reverse the 3 % rebate and write the 2 % one",
    )
    event = late_march.events.filter(kind=DealEventKind.EDITED).get()
    lines = list(LedgerLine.objects.filter(program=rebate).order_by("pk"))[-2:]
    assert [(line.kind, line.amount) for line in lines] == [
        (LineKind.REVERSAL, Decimal("-15600.00")),
        (LineKind.REBATE, Decimal("8400.00")),
    ]
    assert [(line.created_by, line.deal_event) for line in lines] == [(anna, event), (anna, event)]
    assert "Signed on 2 April" in lines[1].note
