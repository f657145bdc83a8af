"""The language switcher is no oracle: for a page the reader may not see, it
answers exactly as for a path where no page exists."""

import pytest
from django.test import Client

from content.models import SectionPage
from tests.content.localization import translate_page
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.content import publish_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def gold_lounge(home_page):
    gold = TierFactory(name="Gold")
    lounge = publish_page(home_page, SectionPage, title="Gold lounge", slug="gold-lounge", audience_tiers=[gold])
    translate_page(lounge, "fr", {"Gold lounge": "Salon Or", "gold-lounge": "salon-or"})
    return gold


def partner(tier) -> Client:
    client = Client()
    client.force_login(PartnerUserFactory(organization=OrganizationFactory(tier=tier), roles=["sales"]))
    return client


def switch(client, next_url: str) -> tuple[int, str]:
    response = client.post("/i18n/setlang/", {"language": "fr", "next": next_url})
    return response.status_code, response["Location"]


@pytest.mark.parametrize("reader", ["anonymous", "silver"])
def test_a_gated_page_and_a_missing_one_redirect_the_same_way_outside_the_audience(gold_lounge, reader):
    client = Client() if reader == "anonymous" else partner(TierFactory(name="Silver"))

    to_gated = switch(client, "/gold-lounge/")
    to_missing = switch(client, "/no-such-lounge/")

    assert to_gated == to_missing
    assert "salon-or" not in to_gated[1]


def test_a_reader_of_the_gated_page_lands_on_its_translation(gold_lounge):
    assert switch(partner(gold_lounge), "/gold-lounge/") == (302, "/fr/salon-or/")
