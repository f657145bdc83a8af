"""Owners hear of their organization's new tier through the notification centre."""

from decimal import Decimal

import pytest
from django.core import mail

from programs.metrics import DealFigures, register_deal_metrics_source
from programs.models import ProgramSettings, TierChangeMode
from programs.services.tiers import tier_change_approve, tier_evaluate, tier_rules_record
from support.models import Notification, NotificationPreference
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.notifications import deliver_notifications

pytestmark = pytest.mark.django_db

WON = {}


@pytest.fixture(autouse=True)
def deal_figures(monkeypatch):
    WON.clear()

    def source(organization, start, end, currency):
        revenue, deals = WON.get(organization.pk, (Decimal("0"), 0))
        return DealFigures(won_revenue=revenue, won_deals=deals)

    monkeypatch.setattr("programs.metrics._deal_sources", [])
    register_deal_metrics_source(source)


@pytest.fixture
def ladder():
    tiers = {}
    for name, rank, revenue, deals in (("Registered", 1, "0", 0), ("Silver", 2, "100000", 3)):
        tiers[name] = TierFactory(
            name=name,
            rank=rank,
            min_won_revenue=Decimal(revenue),
            min_won_deals=deals,
            min_certified_people=0,
            requires_signed_agreement=False,
        )
        tier_rules_record(tier=tiers[name])
    return tiers


def test_a_promotion_tells_the_owners_in_the_bell_and_by_email_in_their_language(
    ladder, django_capture_on_commit_callbacks
):
    organization = OrganizationFactory(tier=ladder["Registered"], preferred_language="de")
    owner = PartnerUserFactory(organization=organization, roles=["owner"], email="chef@partner.example")
    seller = PartnerUserFactory(organization=organization, roles=["sales"])
    WON[organization.pk] = (Decimal("150000"), 4)

    with django_capture_on_commit_callbacks(execute=True):
        tier_evaluate(organization=organization)
    deliver_notifications()

    notification = Notification.objects.get(recipient=owner)
    assert notification.category == "tier_change"
    assert notification.title == "Ihre Partnerstufe ist jetzt Silver"
    assert notification.url == "/tier/"
    assert not Notification.objects.filter(recipient=seller).exists()
    (message,) = mail.outbox
    assert message.to == ["chef@partner.example"] and message.subject == "Ihre Partnerstufe ist jetzt Silver"
    assert "/tier/" in message.body


def test_an_owner_who_chose_the_bell_only_gets_no_email(ladder, django_capture_on_commit_callbacks):
    organization = OrganizationFactory(tier=ladder["Registered"], preferred_language="en")
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    NotificationPreference.objects.create(user=owner, category="tier_change", delivery="portal")
    WON[organization.pk] = (Decimal("150000"), 4)

    with django_capture_on_commit_callbacks(execute=True):
        tier_evaluate(organization=organization)
    deliver_notifications()

    assert Notification.objects.get(recipient=owner).title == "Your partner tier is now Silver"
    assert mail.outbox == []


def test_an_approved_proposal_notifies_only_once_it_is_approved(ladder, django_capture_on_commit_callbacks):
    settings = ProgramSettings.load()
    settings.tier_change_mode = TierChangeMode.APPROVAL
    settings.save()
    organization = OrganizationFactory(tier=ladder["Registered"], preferred_language="en")
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    WON[organization.pk] = (Decimal("150000"), 4)

    change = tier_evaluate(organization=organization)
    assert not Notification.objects.filter(recipient=owner).exists(), "a proposal is not news for the partner"

    with django_capture_on_commit_callbacks(execute=True):
        tier_change_approve(change=change, actor=None)

    assert [n.title for n in Notification.objects.filter(recipient=owner)] == ["Your partner tier is now Silver"]
