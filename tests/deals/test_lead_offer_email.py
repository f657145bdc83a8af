"""A lead offer reaches each sales person and owner in their own language and
time zone (it went out in English with the answer time in UTC)."""

import datetime

import pytest
from django.core import mail

from deals.services.leads import lead_notify_offer
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from tests.factories.deals import offered_lead
from tests.notifications import deliver_notifications

pytestmark = pytest.mark.django_db


def test_each_recipient_reads_the_offer_in_their_language_and_time_zone():
    organization = OrganizationFactory(name="Orly Stockage", preferred_language="fr")
    MembershipFactory(
        organization=organization,
        user=UserFactory(email="vente@orly.example"),
        roles=["sales"],
        time_zone="Europe/Paris",
    )
    MembershipFactory(
        organization=organization,
        user=UserFactory(email="owner@orly.example"),
        roles=["owner"],
        preferred_language="de",
        time_zone="Asia/Tokyo",
    )
    MembershipFactory(organization=organization, user=UserFactory(email="tech@orly.example"), roles=["technical"])
    lead = offered_lead(organization, company_name="Fjord Shipping")
    lead.respond_by = datetime.datetime(2026, 12, 3, 16, 30, tzinfo=datetime.UTC)
    lead.save(update_fields=["respond_by"])
    mail.outbox.clear()

    lead_notify_offer(lead=lead, organization=organization)
    deliver_notifications()

    received = {message.to[0]: message for message in mail.outbox}
    assert sorted(received) == ["owner@orly.example", "vente@orly.example"]
    french = received["vente@orly.example"]
    assert french.subject == "Nouveau prospect : Fjord Shipping"
    assert "3 décembre 2026 17:30" in french.body
    german = received["owner@orly.example"]
    assert german.subject == "Neuer Lead: Fjord Shipping"
    assert "4. Dezember 2026 01:30" in german.body
    assert "UTC" not in french.body + german.body
