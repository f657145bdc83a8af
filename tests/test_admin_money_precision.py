"""Amounts an admin enters in the Wagtail admin follow their currency's minor
unit: whole yen, up to three decimals for dinars. A wrong amount gets a form
error naming the currency and its decimals, and nothing is stored."""

from decimal import Decimal

import pytest
from django.utils import translation

from mdf.models import ApprovalAction, ApprovalRule, FundRequest
from mdf.services.requests import rule_matches
from programs.formats import amount_text
from programs.models import ProgramSettings, Tier, TierRuleVersion
from programs.services.tiers import TierRules, tier_rules_record
from tests.factories import PASSWORD, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def ops(client):
    user = UserFactory(groups=["Channel ops"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def program_currency(code):
    settings = ProgramSettings.load()
    settings.program_currency = code
    settings.save()


def tier_form(min_won_revenue):
    return {
        "name": "Diamond",
        "rank": "9",
        "colour": "#0ea5e9",
        "description": "",
        "min_won_revenue": min_won_revenue,
        "min_won_deals": "20",
        "min_certified_people": "0",
        "requires_signed_agreement": "",
        "commission_rate": "18",
        "deal_protection_days": "180",
        "mdf_allocation_percent": "4",
        "discount_percent": "10",
    }


def errors_of(response):
    assert response.status_code == 200, response.status_code
    return response.context["form"].errors


@pytest.mark.parametrize(
    ("currency", "entered", "message"),
    [
        ("JPY", "10.5", "Amounts in JPY have no decimals; enter a whole number."),
        ("KWD", "1.2345", "Amounts in KWD have at most 3 decimals."),
        ("USD", "12.345", "Amounts in USD have at most 2 decimals."),
    ],
)
def test_a_tier_minimum_revenue_with_too_many_decimals_is_refused(client, ops, currency, entered, message):
    program_currency(currency)
    response = client.post("/admin/snippets/programs/tier/add/", tier_form(entered))
    assert errors_of(response)["min_won_revenue"] == [message]
    assert message in response.content.decode()
    assert not Tier.objects.filter(name="Diamond").exists()


@pytest.mark.parametrize(("currency", "entered"), [("JPY", "750000"), ("KWD", "1.234")])
def test_a_tier_minimum_revenue_in_the_minor_unit_is_stored(client, ops, currency, entered):
    program_currency(currency)
    response = client.post("/admin/snippets/programs/tier/add/", tier_form(entered))
    assert response.status_code == 302, response.context["form"].errors
    assert Tier.objects.get(name="Diamond").min_won_revenue == Decimal(entered)


@pytest.mark.parametrize(("currency", "entered"), [("KWD", "1000.125"), ("JPY", "750000"), ("USD", "750000.5")])
def test_the_tier_rule_version_keeps_the_minimum_revenue_as_entered(client, ops, currency, entered):
    """The rule version is what the evaluation reads: a minimum of 1,000.125
    dinars must not become 1,000.13 (a partner at exactly the minimum would
    then miss the tier)."""
    program_currency(currency)
    response = client.post("/admin/snippets/programs/tier/add/", tier_form(entered))
    assert response.status_code == 302, response.context["form"].errors
    version = TierRuleVersion.objects.get(tier__name="Diamond")
    assert version.rules["min_won_revenue"] == amount_text(Decimal(entered), currency)
    assert TierRules.from_version(version).min_won_revenue == Decimal(entered)


def test_a_version_written_with_two_decimals_is_the_same_rule_for_whole_yen(ops):
    program_currency("JPY")
    tier = Tier.objects.create(name="Diamond", rank=9, min_won_revenue=Decimal("750000"))
    version = tier_rules_record(tier=tier)
    version.rules = {**version.rules, "min_won_revenue": "750000.00"}
    version.save()
    assert tier_rules_record(tier=tier) is None
    assert tier.rule_versions.count() == 1


def rule_form(**fields):
    data = {
        "name": "Large trade shows",
        "is_active": "on",
        "min_amount": "",
        "max_amount": "",
        "currency": "",
        "action": ApprovalAction.AUTO_APPROVE,
        "first_reviewer": "cam",
        "sla_hours": "48",
    }
    data.update(fields)
    return data


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"min_amount": "10.5", "currency": "JPY"},
            "min_amount",
            "Amounts in JPY have no decimals; enter a whole number.",
        ),
        ({"max_amount": "1.2345", "currency": "kwd"}, "max_amount", "Amounts in KWD have at most 3 decimals."),
        ({"max_amount": "1000"}, "currency", "Enter the currency of the amounts, such as USD or JPY."),
    ],
)
def test_an_approval_rule_amount_is_checked_against_its_currency(client, ops, fields, field, message):
    response = client.post("/admin/snippets/mdf/approvalrule/add/", rule_form(**fields))
    assert errors_of(response)[field] == [message]
    assert not ApprovalRule.objects.exists()


def test_an_approval_rule_in_yen_is_stored_and_matches_only_yen_requests(client, ops):
    response = client.post(
        "/admin/snippets/mdf/approvalrule/add/", rule_form(min_amount="100000", max_amount="500000", currency="jpy")
    )
    assert response.status_code == 302, response.context["form"].errors
    rule = ApprovalRule.objects.get()
    assert (rule.min_amount, rule.max_amount, rule.currency) == (Decimal("100000"), Decimal("500000"), "JPY")

    # Amounts in yen say nothing about a request in dollars.
    partner = OrganizationFactory()
    in_yen = FundRequest(organization=partner, requested_amount=Decimal("200000"), currency="JPY")
    in_dollars = FundRequest(organization=partner, requested_amount=Decimal("200000"), currency="USD")
    assert rule_matches(rule, in_yen)
    assert not rule_matches(rule, in_dollars)
