"""What goes out to a German partner is in German: the co-branded PDF (labels
from the German translation of the template, German date and number formats,
rendered by the worker) and the notification emails."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from content.rendering import pdf_text
from deals.tasks import expire_deal_protections
from tests.content.localization import translate_page
from tests.content.test_cobranding import flyer
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.deals import RoutingRuleFactory, register_deal
from tests.notifications import deliver_notifications

GERMAN = {
    "Your partner discount:": "Ihr Partnerrabatt:",
    "Valid from": "Gültig ab",
    "Storage flyer": "Speicher-Flyer",
    "storage-flyer": "speicher-flyer",
    "Headline": "Überschrift",
}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_german_partner_gets_a_co_branded_pdf_in_german(celery_worker, home_page, wait_for):
    template = flyer(
        home_page,
        html=(
            "<p>Your partner discount:</p><p>{{ partner.discount }}</p>"
            "<p>Valid from</p><p>{{ date.today }}</p><p>{{ partner.name }}</p>"
        ),
    )
    german_template = translate_page(template, "de", GERMAN)
    gold = TierFactory(name="Gold", discount_percent=Decimal("12.5"))
    client = Client()
    client.force_login(
        PartnerUserFactory(
            organization=OrganizationFactory(name="Berliner Speicher GmbH", tier=gold, preferred_language="de"),
            roles=["marketing"],
        )
    )
    assert "Speicher-Flyer" in client.get(german_template.url).text

    with translation.override("de"):
        generate_url = reverse("content:cobrand_generate", args=[german_template.pk])
        today = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    started = client.post(generate_url, {"field_headline": "Schnelle Sicherungen"})
    assert started.status_code == 202, started.content
    status_url = started.json()["status_url"]
    done = wait_for(
        lambda: (state := client.get(status_url).json())["status"] in ("done", "failed") and state,
        timeout=30,
        message="the German flyer",
    )
    assert done["status"] == "done", done
    text = " ".join(pdf_text(b"".join(client.get(done["pdf_url"]).streaming_content)).split())

    assert "Ihr Partnerrabatt: 12,50 %" in text
    assert f"Gültig ab {today}" in text and "." in today  # e.g. "22. November 2026"
    assert "Berliner Speicher GmbH" in text


@pytest.mark.django_db
def test_a_german_partner_is_reminded_in_german_with_a_german_date(django_capture_on_commit_callbacks):
    start = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        RoutingRuleFactory()
        organization = OrganizationFactory(tier=TierFactory(deal_protection_days=30), preferred_language="de")
        seller = PartnerUserFactory(organization=organization, roles=["sales"], email="verkauf@partner.example")
        register_deal(organization, seller, company_name="Müller AG")

    with (
        time_machine.travel(start + datetime.timedelta(days=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        expire_deal_protections()
    deliver_notifications()

    assert [message.subject for message in mail.outbox] == ["Der Deal-Schutz für Müller AG endet in 14 Tagen"]
    assert "31. März 2027" in mail.outbox[0].body


@pytest.mark.django_db
def test_a_partners_own_language_wins_over_the_organizations_for_emails(django_capture_on_commit_callbacks):
    start = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        RoutingRuleFactory()
        organization = OrganizationFactory(tier=TierFactory(deal_protection_days=30), preferred_language="de")
        seller = PartnerUserFactory(organization=organization, roles=["sales"], email="vente@partner.example")
        seller.membership.preferred_language = "fr"
        seller.membership.save()
        register_deal(organization, seller, company_name="Dupont SA")

    with (
        time_machine.travel(start + datetime.timedelta(days=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        expire_deal_protections()
    deliver_notifications()

    assert "31 mars 2027" in mail.outbox[0].body
    assert "Dupont SA" in mail.outbox[0].subject and "14 jours" in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_german_organization_is_invited_in_german_from_an_english_page(client, django_capture_on_commit_callbacks):
    organization = OrganizationFactory(name="Kölner Netzwerke GmbH", preferred_language="de")
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/team/", {"email": "neu@koeln.example", "roles": ["sales"]})

    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.subject == "Ihre Einladung zum Partnerkonto Kölner Netzwerke GmbH"
    assert "Richten Sie Ihre Anmeldung hier ein:" in message.body
    assert "/de/invitations/" in message.body
