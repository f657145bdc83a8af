"""A partner registering an accepted lead as a deal may attribute it to one of
their own MDF activities, as on the registration form: another
organization's activity is refused with a message and nothing is stored."""

import datetime

import pytest
from django.utils import timezone

from deals.models import DealRegistration, Lead, LeadStatus
from deals.services.leads import lead_accept
from mdf.models import ActivityDeal, FundRequest
from mdf.roi import roi_for_requests
from tests.factories import PartnerUserFactory
from tests.factories.deals import ProductLineFactory, offered_lead
from tests.factories.mdf import activities_to_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(client):
    activities = activities_to_link()
    organization, own, foreign = activities["organization"], activities["own"], activities["foreign"]
    seller = PartnerUserFactory(organization=organization, roles=["sales"])
    lead = lead_accept(lead=offered_lead(organization, company_name="Initech", contact_name="Milton"), actor=seller)
    client.force_login(seller)
    return {"own": own, "foreign": foreign, "lead": lead}


def convert_data(currency, **overrides):
    return {
        "idempotency_key": "ignored",
        "company_name": "Initech",
        "domain": "initech.example",
        "country": "US",
        "product_lines": [ProductLineFactory(code="storage").pk],
        "estimated_value": "15000.00",
        "currency": currency,
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
        "stage": "qualified",
        "contact_name": "Milton Waddams",
        **overrides,
    }


def test_the_conversion_form_offers_only_the_organizations_approved_activities(client, setting):
    page = client.get(f"/deals/leads/{setting['lead'].pk}/").content.decode()

    assert "Register as a deal" in page and "MDF activity" in page
    assert "Storage webinar" in page
    assert "Their roadshow" not in page
    assert "Pending fair" not in page, "an activity not yet approved is not offered"


def test_a_converted_deal_linked_to_an_activity_counts_in_its_results(client, setting):
    own, lead = setting["own"], setting["lead"]

    response = client.post(f"/deals/leads/{lead.pk}/convert/", convert_data(own.currency, mdf_activity=own.pk))

    deal = DealRegistration.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    assert deal.source_lead_id == lead.pk
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONVERTED
    assert ActivityDeal.objects.get(deal=deal).request == own
    figures = roi_for_requests(FundRequest.objects.filter(pk=own.pk))[own.pk]
    assert figures.registrations == 1 and figures.pipeline == deal.estimated_value


def test_another_organizations_activity_is_refused_and_nothing_is_stored(client, setting):
    foreign, lead = setting["foreign"], setting["lead"]

    response = client.post(f"/deals/leads/{lead.pk}/convert/", convert_data(foreign.currency, mdf_activity=foreign.pk))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose one of your organization&#x27;s approved MDF activities." in page
    assert 'value="Milton Waddams"' in page, "what the partner entered is shown again"
    assert not DealRegistration.objects.exists() and not ActivityDeal.objects.exists()
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.ACCEPTED


def test_without_an_activity_the_lead_is_converted_unlinked(client, setting):
    lead = setting["lead"]

    response = client.post(f"/deals/leads/{lead.pk}/convert/", convert_data(setting["own"].currency))

    assert response.status_code == 302
    assert DealRegistration.objects.get().source_lead_id == lead.pk
    assert not ActivityDeal.objects.exists()
