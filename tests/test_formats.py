"""Money in the partner's language: one helper, Decimal amounts, explicit currency."""

from decimal import Decimal

import pytest
from django.test import Client

from programs.formats import money
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import register_deal


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("fr", "EUR", "1\u00a0234,56\u00a0€"),
        ("de", "EUR", "1.234,56\u00a0€"),
        ("es", "USD", "1\u00a0234,56\u00a0$"),
        ("en", "USD", "$1,234.56"),
        ("en", "CHF", "CHF\u00a01,234.56"),
        ("ja", "JPY", "¥1,235"),
        ("en", "KRW", "KRW\u00a01,235"),
        ("en", "KWD", "KWD\u00a01,234.560"),
        ("fr", "BHD", "1\u00a0234,560\u00a0BHD"),
    ],
)
def test_money_is_written_the_way_each_language_writes_it(language, currency, expected):
    assert money(Decimal("1234.56"), currency, language=language) == expected


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("en", "USD", "-$7,200.00"),
        ("fr", "EUR", "-7\u00a0200,00\u00a0€"),
        ("ja", "JPY", "-¥7,200"),
        ("en", "KWD", "-KWD\u00a07,200.000"),
    ],
)
def test_a_negative_amount_carries_its_sign_before_the_whole_amount(language, currency, expected):
    """Reversals and corrections on statements are negative: the sign leads, as CLDR writes it."""
    assert money(Decimal("-7200"), currency, language=language) == expected


def test_an_amount_rounding_to_zero_has_no_sign():
    assert money(Decimal("-0.001"), "USD", language="en") == "$0.00"


@pytest.mark.django_db
def test_a_french_partner_reads_deal_values_the_french_way():
    organization = OrganizationFactory(preferred_language="fr")
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    deal = register_deal(organization, user, estimated_value=Decimal("48000.50"), currency="EUR")
    client = Client()
    client.force_login(user)

    detail = client.get(f"/fr/deals/{deal.pk}/").text
    listing = client.get("/fr/deals/").text

    assert "48\u00a0000,50\u00a0€" in detail and "48\u00a0000,50\u00a0€" in listing
