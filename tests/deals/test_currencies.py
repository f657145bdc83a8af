"""Money in currencies with 0 or 3 decimals is stored and shown exactly, and
won deals in another currency count toward tiers through the exchange rates
finance maintains (the rate used is recorded on the deal)."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation
from wagtail.models import APIToken

from deals.models import DealEvent, DealStatus, RoutingRule
from deals.services import deal_convert_outcome, deal_update_stage
from mdf.models import MdfProgram
from programs.formats import money
from programs.models import ExchangeRate, ProgramSettings
from programs.services.tiers import tier_evaluate, tier_rules_record
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, confirmed_outcome, register_deal
from tests.factories.programs import ProductLineFactory

pytestmark = pytest.mark.django_db

QUEUE = "/admin/deals/registrations/"
TODAY = timezone.localdate


@pytest.fixture
def seller():
    return PartnerUserFactory(organization=OrganizationFactory(name="Northwind"), roles=["owner", "sales"])


def won(seller, *, amount, currency, closed_on=None):
    """Reported won by the partner, then confirmed by channel ops."""
    if not RoutingRule.objects.exists():
        RoutingRuleFactory()
    name = uuid.uuid4().hex[:10]
    deal = register_deal(seller.membership.organization, seller, currency=currency, domain=f"{name}.io")
    deal = deal_update_stage(
        deal=deal, actor=seller, stage="won", final_amount=Decimal(amount), closed_on=closed_on or TODAY()
    )
    return confirmed_outcome(deal)


def test_three_decimal_currencies_are_kept_and_two_decimal_ones_refuse_a_third(seller):
    organization = seller.membership.organization
    kept = register_deal(organization, seller, currency="KWD", estimated_value=Decimal("12.345"), domain="kw.io")
    with pytest.raises(ValidationError) as refused:
        register_deal(organization, seller, currency="USD", estimated_value=Decimal("12.345"), domain="us.io")
    with pytest.raises(ValidationError) as whole_yen:
        register_deal(organization, seller, currency="JPY", estimated_value=Decimal("1200.5"), domain="jp.io")

    kept.refresh_from_db()
    assert kept.estimated_value == Decimal("12.345")
    assert refused.value.message_dict["estimated_value"] == ["Amounts in USD have at most 2 decimals."]
    assert whole_yen.value.message_dict["estimated_value"] == ["Amounts in JPY have no decimals; enter a whole number."]


def test_the_partner_sees_each_currency_with_its_own_decimals(client, seller):
    organization = seller.membership.organization
    dinars = register_deal(organization, seller, currency="BHD", estimated_value=Decimal("1234.567"), domain="bh.io")
    yen = register_deal(organization, seller, currency="JPY", estimated_value=Decimal("1200000"), domain="jp.io")
    client.force_login(seller)

    assert "BHD\xa01,234.567" in client.get(f"/deals/{dinars.pk}/").content.decode()
    assert "¥1,200,000<" in client.get(f"/deals/{yen.pk}/").content.decode()
    assert money(Decimal("1200000.000"), "JPY", language="en") == "¥1,200,000"


def test_the_api_refuses_a_third_decimal_in_dollars_and_keeps_it_in_dinars(seller):
    _token, plaintext = APIToken.create_token(user=seller, name="CRM")
    client = Client(headers={"Authorization": f"Bearer {plaintext}"})
    line = ProductLineFactory()

    def create(value, currency):
        body = {
            "company_name": f"Customer {currency}",
            "domain": f"{currency.lower()}.example",
            "country": "KW",
            "contact_name": "Buyer",
            "product_lines": [line.code],
            "estimated_value": value,
            "currency": currency,
            "expected_close_date": (TODAY() + datetime.timedelta(days=30)).isoformat(),
        }
        return client.post(
            "/api/v1/deals/", body, content_type="application/json", headers={"Idempotency-Key": uuid.uuid4().hex}
        )

    dollars = create("12.345", "USD")
    dinars = create("12.345", "KWD")
    yen = create("1200", "JPY")

    assert dollars.status_code == 400
    assert dollars.json()["estimated_value"] == ["Amounts in USD have at most 2 decimals."]
    assert dinars.status_code == 201, dinars.json()
    assert dinars.json()["estimated_value"] == "12.345"
    assert yen.json()["estimated_value"] == "1200"


def test_a_reported_win_in_dollars_refuses_a_third_decimal(seller):
    RoutingRuleFactory()
    deal = register_deal(seller.membership.organization, seller)
    with pytest.raises(ValidationError) as refused:
        deal_update_stage(deal=deal, actor=seller, stage="won", final_amount=Decimal("100.005"), closed_on=TODAY())
    assert refused.value.message_dict["final_amount"] == ["Amounts in USD have at most 2 decimals."]
    deal.refresh_from_db()
    assert (deal.status, deal.final_amount) == (DealStatus.APPROVED, None)


def test_mdf_and_incentive_amounts_follow_their_currency():
    budget = MdfProgram(name="FY27", budget=Decimal("1000.125"), currency="USD")
    with pytest.raises(ValidationError) as refused:
        budget.clean()
    assert refused.value.message_dict["budget"] == ["Amounts in USD have at most 2 decimals."]
    MdfProgram(name="FY27 Gulf", budget=Decimal("1000.125"), currency="KWD").clean()


def test_a_win_in_another_currency_counts_with_the_rate_valid_on_its_close_date(seller):
    organization = seller.membership.organization
    registered = TierFactory(name="Registered", rank=1, requires_signed_agreement=False)
    gold = TierFactory(name="Gold", rank=2, min_won_revenue=Decimal("50000"), requires_signed_agreement=False)
    for tier in (registered, gold):
        tier_rules_record(tier=tier)
    organization.tier = registered
    organization.save()
    closed_on = TODAY() - datetime.timedelta(days=10)
    for rate, valid_from in (("1.05", closed_on - datetime.timedelta(days=30)), ("1.10", closed_on), ("2", TODAY())):
        ExchangeRate.objects.create(
            source_currency="EUR", target_currency="USD", rate=Decimal(rate), valid_from=valid_from
        )

    deal = won(seller, amount="30000.00", currency="EUR", closed_on=closed_on)
    won(seller, amount="17000.00", currency="USD")

    assert (deal.program_amount, deal.program_currency) == (Decimal("33000.00"), "USD")
    assert (deal.exchange_rate, deal.exchange_rate_date) == (Decimal("1.10"), closed_on)
    change = tier_evaluate(organization=organization)
    assert change.to_tier == gold
    assert (change.metrics["won_revenue"], change.metrics["won_deals"]) == ("50000.00", 2)


def test_a_win_without_a_rate_is_reported_to_channel_ops_then_converted(client, seller):
    organization = seller.membership.organization
    deal = won(seller, amount="1000.000", currency="KWD")
    ops = UserFactory(is_staff=True)
    ops.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["access_admin", "change_dealregistration", "confirm_deal_outcome", "view_all_partner_records"]
        )
    )
    client.force_login(ops)

    assert deal.status == DealStatus.WON and deal.program_amount is None
    assert "No exchange rate from KWD to USD" in DealEvent.objects.get(deal=deal, kind="outcome_confirmed").note
    assert tier_evaluate(organization=organization) is None  # it counts for nothing, and says so:
    listing = client.get(QUEUE).content.decode()
    assert "1 won deals do not count toward tiers: no exchange rate from KWD to USD" in listing
    needing = client.get(QUEUE, {"needs_exchange_rate": "true"}).content.decode()
    assert f'href="{QUEUE}{deal.pk}/"' in needing
    page = client.get(f"{QUEUE}{deal.pk}/").content.decode()
    assert "there is no exchange rate from KWD to USD" in page
    refused = client.post(f"{QUEUE}{deal.pk}/", {"action": "convert"}).content.decode()
    assert "No exchange rate from KWD to USD" in refused

    ExchangeRate.objects.create(
        source_currency="KWD", target_currency="USD", rate=Decimal("3.2530"), valid_from=TODAY()
    )
    client.post(f"{QUEUE}{deal.pk}/", {"action": "convert"})

    deal.refresh_from_db()
    assert (deal.program_amount, deal.exchange_rate) == (Decimal("3253.00"), Decimal("3.253"))
    converted = DealEvent.objects.get(deal=deal, kind="converted")
    assert converted.actor == ops and converted.after["program_amount"] == "3253.00"
    assert "do not count toward tiers" not in client.get(QUEUE).content.decode()


def test_finance_and_channel_ops_maintain_the_rates():
    for group in ("Finance", "Channel ops"):
        codenames = set(Group.objects.get(name=group).permissions.values_list("codename", flat=True))
        assert {"add_exchangerate", "change_exchangerate"} <= codenames
    same = ExchangeRate(source_currency="usd", target_currency="USD", rate=Decimal("1"), valid_from=TODAY())
    with pytest.raises(ValidationError, match="Choose two different currencies."):
        same.full_clean()
    assert ProgramSettings.load().program_currency == "USD"


def test_finance_enters_a_rate_in_the_admin_and_a_bad_one_is_explained(client):
    finance = UserFactory()
    finance.groups.add(Group.objects.get(name="Finance"))
    client.force_login(finance)
    url = "/admin/snippets/programs/exchangerate/add/"

    created = client.post(
        url, {"source_currency": "EUR", "target_currency": "USD", "rate": "1.0825", "valid_from": "2026-11-01"}
    )
    refused = client.post(
        url, {"source_currency": "EUR", "target_currency": "EUR", "rate": "1", "valid_from": "2026-11-01"}
    )

    assert created.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.source_currency, rate.target_currency, rate.rate) == ("EUR", "USD", Decimal("1.0825"))
    assert "Choose two different currencies." in refused.content.decode()
    assert ExchangeRate.objects.count() == 1


def test_converting_a_win_still_without_a_rate_is_refused_in_the_readers_language(seller):
    deal = won(seller, amount="1000.000", currency="KWD")
    with translation.override("fr"), pytest.raises(ValidationError) as refusal:
        deal_convert_outcome(deal=deal, actor=None)

    assert refusal.value.messages == [f"Aucun taux de change de KWD vers USD valable le {deal.closed_on.isoformat()}."]
    deal.refresh_from_db()
    assert deal.program_amount is None and not deal.events.filter(kind="converted").exists()
