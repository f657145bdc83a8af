"""/api/v1/leads/: partners see and answer their organization's leads; vendor
integration users create leads (distributed at once) and see all."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from wagtail.models import APIToken

from deals.models import Campaign, DealRegistration, Lead, LeadDistributionRule, LeadStatus
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, offered_lead
from tests.factories.programs import ProductLineFactory

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def api_client(user) -> Client:
    _token, plaintext = APIToken.create_token(user=user, name="CRM sync")
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


@pytest.fixture
def partner():
    organization = OrganizationFactory(name="Acme Partners")
    return organization, PartnerUserFactory(organization=organization, roles=["sales"])


@pytest.fixture
def integration():
    user = UserFactory(username="marketing-automation")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_lead", "view_all_partner_records", "add_dealregistration"])
    )
    return user


def test_a_partner_lists_only_its_organizations_leads_with_filters(partner):
    organization, user = partner
    own = offered_lead(organization, company_name="Own Co")
    offered_lead(OrganizationFactory(), company_name="Foreign Co")

    client = api_client(user)
    body = client.get(LEADS).json()

    assert [lead["id"] for lead in body["results"]] == [own.pk]
    assert body["results"][0]["status"] == "offered" and body["count"] == 1
    assert client.get(LEADS, {"status": "accepted"}).json()["count"] == 0
    later = (timezone.now() + datetime.timedelta(minutes=5)).isoformat()
    assert client.get(LEADS, {"updated_since": later}).json()["count"] == 0
    assert client.get(LEADS, {"status": "bogus"}).status_code == 400


def test_partner_roles_other_than_sales_and_owner_are_refused():
    organization = OrganizationFactory()
    offered_lead(organization)
    finance = PartnerUserFactory(organization=organization, roles=["finance"])

    assert api_client(finance).get(LEADS).status_code == 403


def test_accept_decline_and_convert_through_the_api(partner):
    RoutingRuleFactory()
    organization, user = partner
    campaign = Campaign.objects.create(name="Trade show", code="trade-show")
    ProductLineFactory(code="storage")
    lead = offered_lead(organization, campaign=campaign, contact_name="Peter Gibbons")
    client = api_client(user)

    refused = client.post(f"{LEADS}{lead.pk}/decline/", {}, content_type="application/json")
    assert refused.status_code == 400 and "reason" in refused.json()

    accepted = client.post(f"{LEADS}{lead.pk}/accept/")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    again = client.post(f"{LEADS}{lead.pk}/accept/")
    assert again.status_code == 400

    close = (timezone.localdate() + datetime.timedelta(days=40)).isoformat()
    missing = client.post(f"{LEADS}{lead.pk}/convert/", {"expected_close_date": close}, content_type="application/json")
    assert missing.status_code == 400 and {"product_lines", "estimated_value"} <= set(missing.json())

    converted = client.post(
        f"{LEADS}{lead.pk}/convert/",
        {"expected_close_date": close, "product_lines": ["storage"], "estimated_value": "9000.00", "currency": "USD"},
        content_type="application/json",
    )
    assert converted.status_code == 201, converted.content
    deal = DealRegistration.objects.get(pk=converted.json()["id"])
    assert converted.json()["campaign"] == "trade-show" and converted.json()["lead"] == lead.pk
    assert deal.campaign == campaign and deal.organization == organization
    assert client.get(f"{LEADS}{lead.pk}/").json()["deal"] == deal.pk


def test_decline_through_the_api_records_the_reason(partner):
    organization, user = partner
    lead = offered_lead(organization)

    response = api_client(user).post(
        f"{LEADS}{lead.pk}/decline/", {"reason": "Outside our region"}, content_type="application/json"
    )

    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert Lead.objects.get(pk=lead.pk).decline_reason == "Outside our region"


def test_an_integration_user_creates_leads_that_are_distributed_and_lists_all(integration):
    target = OrganizationFactory()
    LeadDistributionRule.objects.create(name="All", action="round_robin")
    Campaign.objects.create(name="Website", code="web")
    ProductLineFactory(code="storage")
    offered_lead(OrganizationFactory(), company_name="Elsewhere Co")
    client = api_client(integration)

    response = client.post(
        LEADS,
        {
            "company_name": "Globex",
            "country": "de",
            "domain": "globex.example",
            "product_lines": ["storage"],
            "estimated_value": "5000.00",
            "currency": "EUR",
            "campaign": "web",
        },
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    lead = Lead.objects.get(pk=response.json()["id"])
    assert lead.status == LeadStatus.OFFERED and lead.organization is not None and lead.campaign.code == "web"
    assert lead.created_by == integration and lead.source == "api"
    assert client.get(LEADS).json()["count"] == 2
    assert client.get(LEADS, {"organization": target.pk}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"company_name": "X", "country": "ZZ"}, "country"),
        ({"company_name": "X", "country": "US", "product_lines": ["nope"]}, "product_lines"),
        ({"company_name": "X", "country": "US", "estimated_value": "-1", "currency": "USD"}, "estimated_value"),
        ({"company_name": "X", "country": "US", "estimated_value": "10", "currency": "ABC"}, "currency"),
        ({"company_name": "X", "country": "US", "campaign": "unknown"}, "campaign"),
        ({"country": "US"}, "company_name"),
    ],
)
def test_bad_lead_input_gives_a_field_error_and_stores_nothing(integration, body, field):
    response = api_client(integration).post(LEADS, body, content_type="application/json")

    assert response.status_code == 400 and field in response.json(), response.content
    assert not Lead.objects.exists()


def test_partners_cannot_create_leads(partner):
    _organization, user = partner

    response = api_client(user).post(LEADS, {"company_name": "X", "country": "US"}, content_type="application/json")

    assert response.status_code == 403 and not Lead.objects.exists()


def test_another_organizations_lead_is_not_found_through_the_api(partner):
    _organization, user = partner
    foreign = offered_lead(OrganizationFactory())
    client = api_client(user)

    assert client.get(f"{LEADS}{foreign.pk}/").status_code == 404
    assert client.post(f"{LEADS}{foreign.pk}/accept/").status_code == 404
    assert Lead.objects.get(pk=foreign.pk).status == LeadStatus.OFFERED


def test_a_retried_create_with_the_same_idempotency_key_stores_one_lead(integration):
    LeadDistributionRule.objects.create(name="All")
    OrganizationFactory()
    client = api_client(integration)
    body = {"company_name": "Globex", "country": "DE"}

    first = client.post(LEADS, body, content_type="application/json", headers={"Idempotency-Key": "web-42"})
    again = client.post(LEADS, body, content_type="application/json", headers={"Idempotency-Key": "web-42"})

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Lead.objects.count() == 1
