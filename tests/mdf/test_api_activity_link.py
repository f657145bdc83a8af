"""The partner API attributes a registration to an MDF activity as the web
forms do (tests/mdf/test_deal_activity_link.py, test_lead_conversion_activity.py):
``mdf_activity`` on ``POST /api/v1/deals/`` and on a lead's ``convert/`` takes
one of the organization's approved activities; another organization's, or
one not approved, is a 400 naming the field, and nothing is stored."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import APIToken

from deals.models import DealRegistration, Lead, LeadStatus
from deals.services.leads import lead_accept
from mdf.models import ActivityDeal, FundRequest
from mdf.roi import roi_for_requests
from tests.factories import PartnerUserFactory, UserFactory
from tests.factories.deals import ProductLineFactory, offered_lead
from tests.factories.mdf import activities_to_link

pytestmark = pytest.mark.django_db

DEALS = "/api/v1/deals/"
REFUSED = "Choose one of your organization's approved MDF activities."


@pytest.fixture
def setting():
    activities = activities_to_link()
    seller = PartnerUserFactory(organization=activities["organization"], roles=["sales"])
    _token, plaintext = APIToken.create_token(user=seller, name="CRM sync")
    ProductLineFactory(code="storage")
    return {**activities, "seller": seller, "api": Client(headers={"Authorization": f"Bearer {plaintext}"})}


def register(api, currency, **extra):
    body = {
        "company_name": "Globex Corporation",
        "domain": "globex.example",
        "country": "US",
        "contact_name": "Hank Scorpio",
        "product_lines": ["storage"],
        "estimated_value": "48000.50",
        "currency": currency,
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=45)).isoformat(),
        **extra,
    }
    return api.post(DEALS, body, content_type="application/json", headers={"Idempotency-Key": uuid.uuid4().hex})


def activity_figures(activity):
    return roi_for_requests(FundRequest.objects.filter(pk=activity.pk))[activity.pk]


def test_a_deal_registered_with_the_organizations_activity_counts_in_its_results(setting):
    own = setting["own"]

    response = register(setting["api"], own.currency, mdf_activity=own.pk)

    assert response.status_code == 201, response.content
    deal = DealRegistration.objects.get(pk=response.json()["id"])
    assert ActivityDeal.objects.get(deal=deal).request == own
    figures = activity_figures(own)
    assert figures.registrations == 1 and figures.pipeline == deal.estimated_value


@pytest.mark.parametrize("which", ["foreign", "pending"])
def test_another_organizations_or_an_unapproved_activity_is_refused_and_nothing_is_stored(setting, which):
    activity = setting[which]

    response = register(setting["api"], activity.currency, mdf_activity=activity.pk)

    assert response.status_code == 400
    assert response.json() == {"mdf_activity": [REFUSED]}
    assert not DealRegistration.objects.exists() and not ActivityDeal.objects.exists()


@pytest.mark.parametrize("value", ["webinar", 0, 2**63, True, "²", "-1"])
def test_an_id_that_names_no_activity_is_refused(setting, value):
    response = register(setting["api"], setting["own"].currency, mdf_activity=value)

    assert response.status_code == 400 and response.json() == {"mdf_activity": [REFUSED]}
    assert not DealRegistration.objects.exists()


@pytest.mark.parametrize("value", [None, ""])
def test_without_an_activity_the_deal_is_registered_unlinked(setting, value):
    response = register(setting["api"], setting["own"].currency, mdf_activity=value)

    assert response.status_code == 201, response.content
    assert DealRegistration.objects.count() == 1 and not ActivityDeal.objects.exists()


def test_a_vendor_integration_registering_for_a_partner_cannot_link_another_partners_activity(setting):
    integration = UserFactory(username="crm-integration")
    integration.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_dealregistration", "view_all_partner_records"])
    )
    _token, plaintext = APIToken.create_token(user=integration, name="CRM")
    api = Client(headers={"Authorization": f"Bearer {plaintext}"})
    organization, foreign = setting["organization"], setting["foreign"]

    refused = register(api, foreign.currency, organization=organization.pk, mdf_activity=foreign.pk)
    linked = register(api, foreign.currency, organization=foreign.organization_id, mdf_activity=foreign.pk)

    assert refused.status_code == 400 and refused.json() == {"mdf_activity": [REFUSED]}
    assert linked.status_code == 201, linked.content
    assert ActivityDeal.objects.get().request == foreign


@pytest.fixture
def accepted_lead(setting):
    organization, seller = setting["organization"], setting["seller"]
    return lead_accept(lead=offered_lead(organization, company_name="Initech", contact_name="Milton"), actor=seller)


def convert(api, lead, currency, **extra):
    body = {
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "product_lines": ["storage"],
        "estimated_value": "15000.00",
        "currency": currency,
        **extra,
    }
    return api.post(f"/api/v1/leads/{lead.pk}/convert/", body, content_type="application/json")


def test_a_lead_converted_with_the_organizations_activity_counts_in_its_results(setting, accepted_lead):
    own = setting["own"]

    response = convert(setting["api"], accepted_lead, own.currency, mdf_activity=own.pk)

    assert response.status_code == 201, response.content
    deal = DealRegistration.objects.get(pk=response.json()["id"])
    assert deal.source_lead_id == accepted_lead.pk
    assert ActivityDeal.objects.get(deal=deal).request == own
    figures = activity_figures(own)
    assert figures.registrations == 1 and figures.pipeline == deal.estimated_value


@pytest.mark.parametrize("which", ["foreign", "pending"])
def test_converting_with_another_organizations_or_an_unapproved_activity_stores_nothing(setting, accepted_lead, which):
    activity = setting[which]

    response = convert(setting["api"], accepted_lead, activity.currency, mdf_activity=activity.pk)

    assert response.status_code == 400
    assert response.json() == {"mdf_activity": [REFUSED]}
    assert not DealRegistration.objects.exists() and not ActivityDeal.objects.exists()
    assert Lead.objects.get(pk=accepted_lead.pk).status == LeadStatus.ACCEPTED


def test_the_registered_deal_shows_its_activity_in_the_response_the_detail_and_the_listing(setting):
    own = setting["own"]

    response = register(setting["api"], own.currency, mdf_activity=own.pk)

    assert response.status_code == 201, response.content
    assert response.json()["mdf_activity"] == own.pk
    deal_id = response.json()["id"]
    detail = setting["api"].get(f"{DEALS}{deal_id}/")
    assert detail.status_code == 200 and detail.json()["mdf_activity"] == own.pk
    listed = {deal["id"]: deal["mdf_activity"] for deal in setting["api"].get(DEALS).json()["results"]}
    assert listed == {deal_id: own.pk}


def test_a_deal_without_an_activity_shows_none(setting):
    response = register(setting["api"], setting["own"].currency)

    assert response.status_code == 201, response.content
    assert "mdf_activity" in response.json() and response.json()["mdf_activity"] is None
    assert setting["api"].get(f"{DEALS}{response.json()['id']}/").json()["mdf_activity"] is None


def test_another_organizations_linked_deal_stays_not_found(setting):
    foreign = setting["foreign"]
    their_seller = PartnerUserFactory(organization=foreign.organization, roles=["sales"])
    _token, plaintext = APIToken.create_token(user=their_seller, name="Their CRM")
    their_api = Client(headers={"Authorization": f"Bearer {plaintext}"})
    theirs = register(their_api, foreign.currency, mdf_activity=foreign.pk)
    assert theirs.status_code == 201, theirs.content

    response = setting["api"].get(f"{DEALS}{theirs.json()['id']}/")

    assert response.status_code == 404
    assert setting["api"].get(DEALS).json()["results"] == []


def test_the_converted_leads_deal_shows_its_activity(setting, accepted_lead):
    own = setting["own"]

    response = convert(setting["api"], accepted_lead, own.currency, mdf_activity=own.pk)

    assert response.status_code == 201, response.content
    assert response.json()["mdf_activity"] == own.pk
    assert setting["api"].get(f"{DEALS}{response.json()['id']}/").json()["mdf_activity"] == own.pk


def test_the_listing_reads_every_deals_activity_at_once(setting):
    own = setting["own"]
    register(setting["api"], own.currency, mdf_activity=own.pk)
    with CaptureQueriesContext(connection) as one_deal:
        setting["api"].get(DEALS)
    for _ in range(3):
        register(setting["api"], own.currency, mdf_activity=own.pk)
    register(setting["api"], own.currency)

    with CaptureQueriesContext(connection) as five_deals:
        listed = [deal["mdf_activity"] for deal in setting["api"].get(DEALS).json()["results"]]

    assert sorted(listed, key=str) == [own.pk] * 4 + [None]
    assert len(five_deals) == len(one_deal)
