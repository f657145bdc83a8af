"""A partner attributes a new deal registration to one of their own MDF activities."""

import datetime
import uuid

import pytest
from django.utils import timezone

from deals.models import DealRegistration
from mdf.models import ActivityDeal, FundRequest
from mdf.roi import roi_for_requests
from tests.factories import PartnerUserFactory
from tests.factories.deals import ProductLineFactory
from tests.factories.mdf import activities_to_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(client):
    activities = activities_to_link()
    client.force_login(PartnerUserFactory(organization=activities["organization"], roles=["sales"]))
    return activities


def form_data(currency, **overrides):
    return {
        "idempotency_key": uuid.uuid4().hex,
        "company_name": "Acme, Inc.",
        "domain": "acme.com",
        "country": "US",
        "product_lines": [ProductLineFactory(code="storage").pk],
        "estimated_value": "25000.00",
        "currency": currency,
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=45)).isoformat(),
        "stage": "qualified",
        "contact_name": "Wile E. Coyote",
        **overrides,
    }


def test_the_choice_lists_only_the_organizations_approved_activities(client, setting):
    html = client.get("/deals/new/").content.decode()

    assert "MDF activity" in html
    assert "Storage webinar" in html
    assert "Their roadshow" not in html
    assert "Pending fair" not in html, "an activity not yet approved is not offered"


def test_a_linked_deal_counts_in_the_activitys_results(client, setting):
    own = setting["own"]

    response = client.post("/deals/new/", form_data(own.currency, mdf_activity=own.pk))

    deal = DealRegistration.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    assert ActivityDeal.objects.get(deal=deal).request == own
    figures = roi_for_requests(FundRequest.objects.filter(pk=own.pk))[own.pk]
    assert figures.registrations == 1 and figures.pipeline == deal.estimated_value


def test_another_organizations_activity_is_refused_and_nothing_is_stored(client, setting):
    foreign = setting["foreign"]

    response = client.post("/deals/new/", form_data(foreign.currency, mdf_activity=foreign.pk))

    assert response.status_code == 400
    assert "Choose one of your organization&#x27;s approved MDF activities." in response.content.decode()
    assert not DealRegistration.objects.exists() and not ActivityDeal.objects.exists()


def test_without_an_activity_the_deal_is_registered_unlinked(client, setting):
    response = client.post("/deals/new/", form_data(setting["own"].currency))

    assert response.status_code == 302
    assert DealRegistration.objects.count() == 1 and not ActivityDeal.objects.exists()
