"""A partner user's own language and time zone."""

import datetime

import pytest
import time_machine
from django.test import Client

from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.deals import RoutingRuleFactory, register_deal

pytestmark = pytest.mark.django_db


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_partner_chooses_german_and_tokyo_time_and_keeps_them():
    user = PartnerUserFactory(organization=OrganizationFactory(preferred_language="en"), roles=["sales"])
    client = signed_in(user)

    response = client.post("/preferences/", {"preferred_language": "de", "time_zone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert response["Location"] == "/de/preferences/"
    assert response.cookies["django_language"].value == "de"
    user.membership.refresh_from_db()
    assert (user.membership.language, user.membership.time_zone) == ("de", "Asia/Tokyo")
    assert "Ihre Einstellungen sind gespeichert." in client.get("/de/preferences/").text


def test_an_unknown_time_zone_is_refused():
    client = signed_in(PartnerUserFactory(roles=["sales"]))

    response = client.post("/preferences/", {"preferred_language": "", "time_zone": "Mars/Olympus"})

    assert response.status_code == 400


def test_times_are_shown_in_the_partners_time_zone():
    RoutingRuleFactory()
    organization = OrganizationFactory(tier=TierFactory(deal_protection_days=30))
    tokyo = PartnerUserFactory(organization=organization, roles=["sales"])
    tokyo.membership.time_zone = "Asia/Tokyo"
    tokyo.membership.save()
    utc = PartnerUserFactory(organization=organization, roles=["sales"])
    with time_machine.travel(datetime.datetime(2027, 3, 1, 20, 30, tzinfo=datetime.UTC), tick=False):
        deal = register_deal(organization, tokyo)

    assert "March 2, 2027, 5:30 a.m." in signed_in(tokyo).get(f"/deals/{deal.pk}/").text
    assert "March 1, 2027, 8:30 p.m." in signed_in(utc).get(f"/deals/{deal.pk}/").text
