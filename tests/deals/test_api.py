"""The CRM-sync REST API: token authentication, the caller's organization only,
idempotent creation, filters, pagination and stage updates with clear errors."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone
from wagtail.models import APIToken

from deals.models import DealEvent, DealRegistration, DealStatus
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal
from tests.factories.programs import ProductLineFactory

pytestmark = pytest.mark.django_db

DEALS = "/api/v1/deals/"


def api_client(user) -> Client:
    _token, plaintext = APIToken.create_token(user=user, name="CRM sync")
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme Partners")
    return organization, PartnerUserFactory(organization=organization, roles=["sales"])


def payload(**overrides):
    ProductLineFactory(code="storage")
    body = {
        "company_name": "Globex Corporation",
        "domain": "globex.example",
        "country": "DE",
        "contact_name": "Hank Scorpio",
        "contact_email": "hank@globex.example",
        "product_lines": ["storage"],
        "estimated_value": "48000.50",
        "currency": "EUR",
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=45)).isoformat(),
    }
    body.update(overrides)
    return body


def test_a_partner_token_lists_only_its_organizations_registrations(acme):
    organization, user = acme
    own = register_deal(organization, user, company_name="Initech")
    register_deal(OrganizationFactory(), company_name="Other partner's customer", domain="other.example")

    response = api_client(user).get(DEALS)

    assert response.status_code == 200
    body = response.json()
    assert [deal["id"] for deal in body["results"]] == [own.pk]
    assert body["results"][0]["estimated_value"] == "25000.00" and body["results"][0]["currency"] == "USD"


def test_another_organizations_registration_is_not_found(acme):
    _organization, user = acme
    foreign = register_deal(OrganizationFactory(), domain="other.example")

    client = api_client(user)

    assert client.get(f"{DEALS}{foreign.pk}/").status_code == 404
    assert (
        client.patch(f"{DEALS}{foreign.pk}/", {"stage": "proposal"}, content_type="application/json").status_code == 404
    )
    assert DealRegistration.objects.get(pk=foreign.pk).stage != "proposal"


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer wagtail_not-a-real-token", "Token abc"])
def test_requests_without_a_valid_token_are_refused(header):
    client = Client(headers={"Authorization": header} if header else {})

    response = client.get(DEALS)

    assert response.status_code in (401, 403)


def test_a_revoked_token_no_longer_works(acme):
    _organization, user = acme
    token, plaintext = APIToken.create_token(user=user, name="CRM sync")
    token.revoked_at = timezone.now()
    token.save()

    response = Client(headers={"Authorization": f"Bearer {plaintext}"}).get(DEALS)

    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_creating_twice_with_the_same_idempotency_key_registers_once(acme):
    organization, user = acme
    client = api_client(user)
    key = uuid.uuid4().hex

    first = client.post(DEALS, payload(), content_type="application/json", headers={"Idempotency-Key": key})
    second = client.post(DEALS, payload(), content_type="application/json", headers={"Idempotency-Key": key})

    assert first.status_code == 201, first.json()
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    deal = DealRegistration.objects.get(organization=organization)
    assert (deal.company_name, deal.estimated_value, deal.currency) == (
        "Globex Corporation",
        Decimal("48000.50"),
        "EUR",
    )
    assert deal.submitted_by == user
    assert DealEvent.objects.filter(deal=deal, kind="submitted", actor=user).exists()


def test_bad_input_gets_field_errors_and_stores_nothing(acme):
    _organization, user = acme

    response = api_client(user).post(
        DEALS,
        payload(product_lines=["teleporters"], expected_close_date="2001-01-01", country="Germany"),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )

    assert response.status_code == 400
    errors = response.json()
    assert "Unknown product lines: teleporters." in errors["product_lines"]
    assert errors["country"]
    assert not DealRegistration.objects.exists()


def test_a_missing_idempotency_key_is_refused(acme):
    _organization, user = acme

    response = api_client(user).post(DEALS, payload(), content_type="application/json")

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()


def test_a_partner_cannot_register_for_another_organization(acme):
    _organization, user = acme
    other = OrganizationFactory()

    response = api_client(user).post(
        DEALS,
        payload(organization=other.pk),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )

    assert response.status_code == 403
    assert not DealRegistration.objects.exists()


def test_stage_updates_follow_the_portal_rules(acme):
    organization, user = acme
    RoutingRuleFactory()  # standard registrations are approved without a human
    deal = register_deal(organization, user)
    client = api_client(user)

    missing = client.patch(f"{DEALS}{deal.pk}/", {"stage": "won"}, content_type="application/json")
    won = client.patch(
        f"{DEALS}{deal.pk}/",
        {"stage": "won", "final_amount": "30000.00", "closed_on": timezone.localdate().isoformat()},
        content_type="application/json",
    )

    assert missing.status_code == 400
    assert "final amount" in " ".join(missing.json()["final_amount"])
    assert won.status_code == 200, won.json()
    # A partner's token reports the win; it counts once the vendor confirms it.
    assert (won.json()["status"], won.json()["final_amount"]) == (DealStatus.REPORTED_WON, "30000.00")
    assert DealEvent.objects.filter(deal=deal, to_status=DealStatus.REPORTED_WON, actor=user).exists()


def test_filters_and_pagination(acme):
    organization, user = acme
    for number in range(3):
        register_deal(organization, user, company_name=f"Customer {number}", domain=f"c{number}.example")
    register_deal(organization, user, company_name="French customer", domain="fr.example", country="FR")
    client = api_client(user)

    french = client.get(DEALS, {"country": "fr"}).json()
    first_page = client.get(DEALS, {"page_size": 2}).json()

    assert [deal["company_name"] for deal in french["results"]] == ["French customer"]
    assert first_page["count"] == 4 and len(first_page["results"]) == 2 and first_page["next"]


def test_a_vendor_integration_user_sees_and_creates_for_every_organization(acme):
    organization, partner_user = acme
    register_deal(organization, partner_user)
    register_deal(OrganizationFactory(), domain="other.example")
    integration = UserFactory(username="crm-integration")
    integration.user_permissions.add(
        Permission.objects.get(codename="view_all_partner_records"),
        Permission.objects.get(codename="add_dealregistration"),
    )
    client = api_client(integration)

    listed = client.get(DEALS).json()
    missing_organization = client.post(
        DEALS, payload(), content_type="application/json", headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    created = client.post(
        DEALS,
        payload(organization=organization.pk, domain="new.example"),
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )

    assert listed["count"] == 2
    assert missing_organization.status_code == 400 and "organization" in missing_organization.json()
    assert created.status_code == 201 and created.json()["organization"] == organization.pk
