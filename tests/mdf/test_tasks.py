"""Escalation, period close and reminders on a real Celery worker over Redis."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from mdf.models import Allocation, FundRequest, LedgerEntry, LedgerKind, MdfEvent, MdfEventKind
from mdf.selectors import allocation_balance
from mdf.tasks import escalate_overdue_mdf_reviews, expire_ended_mdf_allocations, send_mdf_reminders
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.mdf import MdfProgramFactory, allocated, auto_approve_all, submit_request
from tests.notifications import deliver_notifications


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_escalates_a_review_waiting_beyond_its_sla(celery_worker, wait_for):
    cam = UserFactory()
    organization = OrganizationFactory(channel_account_manager=cam)
    allocated(organization)
    request = submit_request(organization)
    FundRequest.objects.filter(pk=request.pk).update(waiting_since=timezone.now() - datetime.timedelta(hours=49))

    escalate_overdue_mdf_reviews.delay()

    wait_for(
        lambda: FundRequest.objects.get(pk=request.pk).escalated,
        timeout=30,
        message="the worker to escalate the overdue review",
    )
    request.refresh_from_db()
    assert request.reviewer_user is None and request.reviewer_group.name == "Channel ops"
    assert MdfEvent.objects.filter(request=request, kind=MdfEventKind.ESCALATED).count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_expires_unused_funds_at_period_close(celery_worker, wait_for):
    today = timezone.localdate()
    ended = MdfProgramFactory(
        starts_on=today - datetime.timedelta(days=100), ends_on=today - datetime.timedelta(days=1)
    )
    running = MdfProgramFactory()
    organization = OrganizationFactory()
    old = allocated(organization, "4000.00", program=ended)
    current = allocated(organization, "4000.00", program=running)

    expire_ended_mdf_allocations.delay()

    wait_for(
        lambda: Allocation.objects.get(pk=old.pk).expired_at is not None,
        timeout=30,
        message="the worker to expire the ended allocation",
    )
    assert allocation_balance(allocation=old).available == Decimal("0.00")
    assert LedgerEntry.objects.get(allocation=old, kind=LedgerKind.EXPIRED).amount == Decimal("4000.00")
    assert allocation_balance(allocation=current).available == Decimal("4000.00")


@pytest.mark.django_db
def test_claim_deadline_reminders_are_sent_once():
    """Run in-process (the locmem outbox is per process): the reminder is recorded
    and sent once, however often beat runs the task."""
    auto_approve_all()
    organization = OrganizationFactory(contact_email="")
    allocated(organization)
    marketer = PartnerUserFactory(organization=organization, roles=["marketing"], email="mia@partner.example")
    request = submit_request(organization, submitted_by=marketer)
    FundRequest.objects.filter(pk=request.pk).update(claim_deadline=timezone.localdate() + datetime.timedelta(days=3))

    send_mdf_reminders()
    send_mdf_reminders()
    deliver_notifications()

    reminders = [message for message in mail.outbox if "Claim your MDF" in message.subject]
    assert len(reminders) == 1 and reminders[0].to == ["mia@partner.example"]
    assert MdfEvent.objects.filter(request=request, kind=MdfEventKind.REMINDER).count() == 1
