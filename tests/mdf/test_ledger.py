"""Every movement is a ledger line; balances equal hand-computed figures."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from mdf.models import ClaimStatus, LedgerEntry, LedgerKind, RequestStatus
from mdf.selectors import allocation_balance
from mdf.services.allocations import allocation_adjust
from mdf.services.claims import claim_approve, claim_pay, claim_submit
from mdf.services.period import allocation_expire, allocations_expire_ended
from mdf.services.requests import request_cancel
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request, upload

pytestmark = pytest.mark.django_db


def balance(allocation):
    return allocation_balance(allocation=allocation)


def test_allocate_adjust_commit_release_claim_pay_expire():
    auto_approve_all()
    finance = UserFactory()
    organization = OrganizationFactory()
    allocation = allocated(organization, "10000.00")
    assert balance(allocation).available == Decimal("10000.00")

    allocation_adjust(allocation=allocation, amount=Decimal("-1500.00"), actor=finance, reason="Budget cut")
    assert balance(allocation).available == Decimal("8500.00")

    webinar = submit_request(organization, requested_amount=Decimal("2000.00"))
    trade_show = submit_request(organization, title="Trade show", requested_amount=Decimal("1500.00"))
    assert webinar.status == trade_show.status == RequestStatus.APPROVED
    assert balance(allocation).available == Decimal("5000.00")  # 8500 − 2000 − 1500

    request_cancel(request=trade_show, actor=None, reason="Show called off")
    assert balance(allocation).available == Decimal("6500.00")  # the 1500 released

    claim = claim_submit(
        request=webinar,
        submitted_by=None,
        actual_cost=Decimal("3000.00"),
        claimed_amount=Decimal("1500.00"),
        proofs=[upload()],
    )
    # Claiming does not move the balance: the 2000 stay committed until the review.
    assert balance(allocation).available == Decimal("6500.00")
    claim_approve(claim=claim, actor=finance, amount=Decimal("1200.00"), reason="One invoice is for another event")
    assert balance(allocation).available == Decimal("7300.00")  # 2000 committed − 1200 approved = 800 released

    claim_pay(claim=claim, actor=finance, reference="PAY-1", paid_on=timezone.localdate())
    figures = balance(allocation)
    assert figures.available == Decimal("7300.00")
    assert figures.paid == Decimal("1200.00")
    assert figures.claimed == Decimal("1500.00")
    claim.refresh_from_db()
    webinar.refresh_from_db()
    assert claim.status == ClaimStatus.PAID and webinar.status == RequestStatus.CLOSED

    program = allocation.program
    day_after = program.ends_on + datetime.timedelta(days=1)
    assert allocation_expire(allocation=allocation, today=program.ends_on) is False
    assert allocations_expire_ended(today=day_after) == 1
    assert allocations_expire_ended(today=day_after) == 0  # idempotent
    assert balance(allocation).available == Decimal("0.00")
    assert balance(allocation).expired == Decimal("7300.00")
    kinds = list(LedgerEntry.objects.filter(allocation=allocation).values_list("kind", "amount"))
    assert kinds == [
        (LedgerKind.ALLOCATED, Decimal("10000.00")),
        (LedgerKind.ADJUSTED, Decimal("-1500.00")),
        (LedgerKind.COMMITTED, Decimal("2000.00")),
        (LedgerKind.COMMITTED, Decimal("1500.00")),
        (LedgerKind.RELEASED, Decimal("1500.00")),
        (LedgerKind.CLAIMED, Decimal("1500.00")),
        (LedgerKind.RELEASED, Decimal("800.00")),
        (LedgerKind.PAID, Decimal("1200.00")),
        (LedgerKind.EXPIRED, Decimal("7300.00")),
    ]
    adjustment = LedgerEntry.objects.get(kind=LedgerKind.ADJUSTED)
    assert adjustment.actor == finance and adjustment.reason == "Budget cut" and adjustment.at is not None


def test_ledger_lines_cannot_be_changed_or_deleted():
    allocation = allocated(OrganizationFactory())
    line = allocation.ledger.get()
    line.amount = Decimal("1")
    with pytest.raises(ValidationError):
        line.save()
    with pytest.raises(ValidationError):
        line.delete()
    assert allocation.ledger.get().amount == Decimal("10000.00")


def test_an_adjustment_cannot_take_away_committed_funds():
    auto_approve_all()
    organization = OrganizationFactory()
    allocation = allocated(organization, "3000.00")
    submit_request(organization, requested_amount=Decimal("2000.00"))
    with pytest.raises(ValidationError) as error:
        allocation_adjust(allocation=allocation, amount=Decimal("-1500.00"), actor=None, reason="Cut")
    assert "1,000.00" in str(error.value)
    assert balance(allocation).available == Decimal("1000.00")


def test_allocations_stay_within_the_budget():
    program = MdfProgramFactory(budget=Decimal("5000.00"))
    allocated(OrganizationFactory(), "4000.00", program=program)
    with pytest.raises(ValidationError) as error:
        allocated(OrganizationFactory(), "1500.00", program=program)
    assert "budget" in str(error.value)


def test_an_adjustment_needs_a_reason():
    allocation = allocated(OrganizationFactory())
    with pytest.raises(ValidationError) as error:
        allocation_adjust(allocation=allocation, amount=Decimal("100"), actor=None, reason=" ")
    assert error.value.message_dict["reason"]


def test_a_program_that_keeps_unused_funds_does_not_expire_them():
    program = MdfProgramFactory(expire_unused=False)
    allocation = allocated(OrganizationFactory(), program=program)
    assert allocations_expire_ended(today=program.ends_on + datetime.timedelta(days=5)) == 0
    assert balance(allocation).available == Decimal("10000.00")
