"""Routing rules decide what happens to a new registration; reviewers decide the rest."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from deals.models import DealClaim, DealEvent, DealStatus, RoutingAction
from deals.services import (
    ProtectionTaken,
    deal_approve,
    deal_reject,
    deal_request_info,
)
from programs.models import PersonCertification
from tests.factories import CertificationFactory, OrganizationFactory, TierFactory, UserFactory
from tests.factories.deals import ProductLineFactory, RoutingRuleFactory, register_deal

pytestmark = pytest.mark.django_db


def test_a_standard_registration_is_approved_without_a_human():
    RoutingRuleFactory(name="Small deals", max_value=Decimal("50000"), max_value_currency="USD")
    organization = OrganizationFactory(tier=TierFactory(deal_protection_days=120))

    deal = register_deal(organization, estimated_value=Decimal("49999.99"))

    assert deal.status == DealStatus.APPROVED
    assert deal.routing_rule.name == "Small deals"
    assert deal.protected_until == pytest.approx(
        timezone.now() + datetime.timedelta(days=120), abs=datetime.timedelta(seconds=30)
    )
    assert list(deal.events.values_list("kind", flat=True)) == ["submitted", "approved"]
    approval = deal.events.get(kind="approved")
    assert approval.actor is None
    assert (approval.from_status, approval.to_status) == ("submitted", "approved")


def test_without_a_tier_protection_falls_back_to_the_program_default():
    RoutingRuleFactory()
    deal = register_deal(OrganizationFactory(tier=None))

    assert deal.protected_until.date() == (timezone.now() + datetime.timedelta(days=90)).date()


@pytest.mark.parametrize(
    ("value", "currency"),
    [(Decimal("50000"), "USD"), (Decimal("100"), "EUR")],
    ids=["at the threshold", "another currency"],
)
def test_value_conditions_compare_in_the_rules_currency(value, currency):
    RoutingRuleFactory(max_value=Decimal("50000"), max_value_currency="USD")

    deal = register_deal(OrganizationFactory(), estimated_value=value, currency=currency)

    assert deal.status == DealStatus.UNDER_REVIEW
    assert deal.queue == "review"


def test_route_to_the_organizations_cam():
    cam = UserFactory()
    RoutingRuleFactory(action=RoutingAction.ROUTE_TO_CAM)

    deal = register_deal(OrganizationFactory(channel_account_manager=cam))

    assert deal.status == DealStatus.UNDER_REVIEW
    assert (deal.queue, deal.assigned_to) == ("cam", cam)


def test_route_to_a_named_queue_by_country():
    RoutingRuleFactory(action=RoutingAction.ROUTE_TO_QUEUE, queue_name="public-sector", countries="DE, FR")
    RoutingRuleFactory(action=RoutingAction.AUTO_APPROVE)

    german = register_deal(OrganizationFactory(), country="DE", company_name="Bund GmbH", domain="bund.de")
    american = register_deal(OrganizationFactory(), country="US")

    assert (german.status, german.queue) == (DealStatus.UNDER_REVIEW, "public-sector")
    assert american.status == DealStatus.APPROVED


def test_reject_with_a_reason():
    RoutingRuleFactory(action=RoutingAction.REJECT, countries="KP", reason="We cannot sell to this country.")

    deal = register_deal(OrganizationFactory(), country="KP", company_name="Korea Trading", domain="")

    assert deal.status == DealStatus.REJECTED
    assert deal.decision_reason == "We cannot sell to this country."
    assert deal.events.get(kind="rejected").partner_note == "We cannot sell to this country."


def test_tier_and_certification_conditions():
    gold = TierFactory(name="Gold")
    storage = ProductLineFactory(code="storage", name="Storage")
    rule = RoutingRuleFactory(require_certified=True)
    rule.tiers.add(gold)
    rule.save()
    certified_gold = OrganizationFactory(tier=gold)
    PersonCertification.objects.create(
        organization=certified_gold,
        user=UserFactory(),
        certification=CertificationFactory(product_line="Storage"),
        earned_at=timezone.now(),
    )
    uncertified_gold = OrganizationFactory(tier=gold)
    certified_silver = OrganizationFactory(tier=TierFactory(name="Silver"))
    PersonCertification.objects.create(
        organization=certified_silver,
        user=UserFactory(),
        certification=CertificationFactory(product_line="Storage"),
        earned_at=timezone.now(),
    )

    results = [
        register_deal(
            organization, company_name=f"Customer {n}", domain=f"customer{n}.com", product_lines=[storage]
        ).status
        for n, organization in enumerate([certified_gold, uncertified_gold, certified_silver])
    ]

    assert results == [DealStatus.APPROVED, DealStatus.UNDER_REVIEW, DealStatus.UNDER_REVIEW]


def test_no_matching_rule_means_review():
    deal = register_deal(OrganizationFactory())

    assert (deal.status, deal.queue, deal.has_conflict) == (DealStatus.UNDER_REVIEW, "review", False)
    assert deal.partner_status_text == "Under review"


def test_a_conflict_is_never_auto_approved_and_the_partner_is_not_told_who():
    RoutingRuleFactory(require_no_conflict=False)
    first_partner = OrganizationFactory(name="Northwind Systems")
    register_deal(first_partner)

    second = register_deal(OrganizationFactory())

    assert (second.status, second.queue, second.has_conflict) == (DealStatus.UNDER_REVIEW, "conflicts", True)
    assert second.partner_status_text == "Under review: possible conflict"
    conflict_event = second.events.get(kind="conflict")
    assert "Northwind Systems" in conflict_event.note
    assert "Northwind" not in conflict_event.partner_note


def test_reviewers_cannot_protect_two_registrations_of_one_opportunity():
    first = register_deal(OrganizationFactory())
    second = register_deal(OrganizationFactory())
    reviewer = UserFactory()
    assert second.has_conflict

    deal_approve(deal=first, actor=reviewer)
    with pytest.raises(ProtectionTaken):
        deal_approve(deal=second, actor=reviewer)

    second.refresh_from_db()
    assert second.status == DealStatus.UNDER_REVIEW
    assert set(DealClaim.objects.values_list("deal_id", flat=True)) == {first.pk}


def test_reviewer_decisions_are_audited():
    reviewer = UserFactory()
    asked = register_deal(OrganizationFactory(), company_name="One", domain="one.com")
    rejected = register_deal(OrganizationFactory(), company_name="Two", domain="two.com")

    deal_request_info(deal=asked, actor=reviewer, question="Who is the economic buyer?")
    with pytest.raises(ValidationError):
        deal_reject(deal=rejected, actor=reviewer, reason="  ")
    deal_reject(deal=rejected, actor=reviewer, reason="Existing direct customer.")

    asked.refresh_from_db()
    rejected.refresh_from_db()
    assert (asked.status, asked.decision_reason) == (DealStatus.MORE_INFO_REQUESTED, "Who is the economic buyer?")
    assert (rejected.status, rejected.decision_reason) == (DealStatus.REJECTED, "Existing direct customer.")
    event = DealEvent.objects.get(deal=rejected, kind="rejected")
    assert (event.actor, event.from_status, event.to_status) == (reviewer, "under_review", "rejected")
    assert event.before["status"] == "under_review" and event.after["decision_reason"] == "Existing direct customer."


def test_the_partner_is_emailed_the_decision_and_reason(django_capture_on_commit_callbacks):
    from django.core import mail

    from deals.tasks import notify_partner_of_deal_event
    from tests.factories import PartnerUserFactory
    from tests.notifications import deliver_notifications
    from tests.queued import queued_tasks

    organization = OrganizationFactory()
    seller = PartnerUserFactory(organization=organization, roles=["sales"], email="seller@partner.example")
    deal = register_deal(organization, seller)
    with django_capture_on_commit_callbacks() as callbacks:
        deal_reject(deal=deal, actor=UserFactory(), reason="Existing direct customer.")
    # the notification task is queued only once the decision is committed
    assert queued_tasks(callbacks) == ["deals.tasks.notify_partner_of_deal_event"]

    notify_partner_of_deal_event(deal.events.get(kind="rejected").pk)
    deliver_notifications()

    (message,) = mail.outbox
    assert (message.to, message.subject) == (["seller@partner.example"], "Deal registration Acme, Inc.: Rejected")
    assert "Existing direct customer." in message.body
    assert f"/deals/{deal.pk}/" in message.body
    # The same notice waits in the seller's bell.
    assert seller.notifications.get().title == "Deal registration Acme, Inc.: Rejected"
