"""Protection ends on time; the partner hears 14 and 3 days before, once each."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from deals.models import DealClaim, DealReminder, DealStatus
from deals.tasks import expire_deal_protections
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.deals import RoutingRuleFactory, register_deal
from tests.notifications import deliver_notifications

pytestmark = pytest.mark.django_db
START = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)


def nightly(capture):
    with capture(execute=True):
        expire_deal_protections()
    deliver_notifications()


@pytest.fixture
def approved_deal():
    with time_machine.travel(START, tick=False):
        RoutingRuleFactory()
        organization = OrganizationFactory(tier=TierFactory(deal_protection_days=30))
        seller = PartnerUserFactory(organization=organization, roles=["sales"], email="seller@partner.example")
        deal = register_deal(organization, seller)
    assert deal.protected_until == START + datetime.timedelta(days=30)
    return deal


def test_reminders_14_and_3_days_before_expiry_are_sent_once(approved_deal, django_capture_on_commit_callbacks):
    end = approved_deal.protected_until
    with time_machine.travel(end - datetime.timedelta(days=15), tick=False):
        nightly(django_capture_on_commit_callbacks)
    assert mail.outbox == []

    with time_machine.travel(end - datetime.timedelta(days=14), tick=False):
        nightly(django_capture_on_commit_callbacks)
        nightly(django_capture_on_commit_callbacks)
    assert [message.subject for message in mail.outbox] == ["Deal protection for Acme, Inc. ends in 14 days"]
    assert mail.outbox[0].to == ["seller@partner.example"]

    with time_machine.travel(end - datetime.timedelta(days=2, hours=12), tick=False):
        nightly(django_capture_on_commit_callbacks)
        nightly(django_capture_on_commit_callbacks)
    assert [message.subject for message in mail.outbox][1:] == ["Deal protection for Acme, Inc. ends in 3 days"]
    assert sorted(DealReminder.objects.values_list("days_before", flat=True)) == [3, 14]
    assert approved_deal.events.filter(kind="reminder").count() == 2
    approved_deal.refresh_from_db()
    assert approved_deal.status == DealStatus.APPROVED


def test_lapsed_protection_expires_by_the_system(approved_deal, django_capture_on_commit_callbacks):
    with time_machine.travel(approved_deal.protected_until - datetime.timedelta(minutes=1), tick=False):
        nightly(django_capture_on_commit_callbacks)
    approved_deal.refresh_from_db()
    assert approved_deal.status == DealStatus.APPROVED

    with time_machine.travel(approved_deal.protected_until + datetime.timedelta(hours=3), tick=False):
        nightly(django_capture_on_commit_callbacks)
        nightly(django_capture_on_commit_callbacks)

    approved_deal.refresh_from_db()
    assert approved_deal.status == DealStatus.EXPIRED
    event = approved_deal.events.get(kind="expired")
    assert (event.actor, event.from_status, event.to_status) == (None, "approved", "expired")
    assert not DealClaim.objects.filter(deal=approved_deal).exists()


def test_an_approved_extension_moves_the_reminders(approved_deal, django_capture_on_commit_callbacks):
    from deals.services import deal_decide_extension, deal_request_extension

    end = approved_deal.protected_until
    with time_machine.travel(end - datetime.timedelta(days=10), tick=False):
        nightly(django_capture_on_commit_callbacks)
        deal_request_extension(deal=approved_deal, actor=None, reason="Board meets next month.")
        deal_decide_extension(deal=approved_deal, actor=None, approve=True)
        nightly(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1

    approved_deal.refresh_from_db()
    assert approved_deal.protected_until == end + datetime.timedelta(days=30)
    with time_machine.travel(approved_deal.protected_until - datetime.timedelta(days=13), tick=False):
        nightly(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert approved_deal.status == DealStatus.APPROVED
    assert timezone.now() < approved_deal.protected_until
