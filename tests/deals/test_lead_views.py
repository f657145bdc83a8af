"""The partner's lead pages: reached from the dashboard and the deal list,
accept, decline with a reason, register an accepted lead as a deal."""

import datetime

import pytest
from django.utils import timezone

from deals.models import Campaign, DealRegistration, Lead, LeadStatus
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory
from tests.factories.deals import RoutingRuleFactory, offered_lead
from tests.factories.programs import ProductLineFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(client):
    user = PartnerUserFactory(organization=OrganizationFactory(country="US"), roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def test_leads_are_linked_from_the_dashboard_and_the_deal_list(client, sales):
    lead = offered_lead(sales.membership.organization, company_name="Vandelay Industries")

    assert "/deals/leads/" in client.get("/dashboard/").content.decode()
    deal_list = client.get("/deals/").content.decode()
    assert "/deals/leads/" in deal_list and "1 waiting for your answer" in deal_list
    listing = client.get("/deals/leads/").content.decode()
    assert f"/deals/leads/{lead.pk}/" in listing and "Vandelay Industries" in listing


def test_other_roles_do_not_see_leads(client):
    user = PartnerUserFactory(organization=OrganizationFactory(), roles=["marketing"])
    client.force_login(user)

    assert client.get("/deals/leads/").status_code == 404


def test_decline_without_a_reason_shows_the_error_and_changes_nothing(client, sales):
    lead = offered_lead(sales.membership.organization)

    response = client.post(f"/deals/leads/{lead.pk}/decline/", {"reason": ""})

    assert response.status_code == 400 and "Fill in this field." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.OFFERED


def test_decline_with_a_reason(client, sales):
    lead = offered_lead(sales.membership.organization)

    response = client.post(f"/deals/leads/{lead.pk}/decline/", {"reason": "No capacity"})

    assert response.status_code == 302
    lead.refresh_from_db()
    assert lead.status == LeadStatus.DECLINED and lead.decline_reason == "No capacity"


def test_accept_then_register_the_prefilled_deal(client, sales):
    RoutingRuleFactory()
    storage = ProductLineFactory(code="storage")
    campaign = Campaign.objects.create(name="Partner summit", code="summit")
    lead = offered_lead(sales.membership.organization, campaign=campaign, contact_name="Milton Waddams")
    lead.product_lines.set([storage])

    assert client.post(f"/deals/leads/{lead.pk}/accept/").status_code == 302
    page = client.get(f"/deals/leads/{lead.pk}/").content.decode()
    assert "Register as a deal" in page and 'value="Milton Waddams"' in page

    response = client.post(
        f"/deals/leads/{lead.pk}/convert/",
        {
            "idempotency_key": "ignored",
            "company_name": "Initech",
            "domain": "initech.example",
            "country": "US",
            "product_lines": [storage.pk],
            "estimated_value": "15000",
            "currency": "USD",
            "expected_close_date": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "stage": "qualified",
            "contact_name": "Milton Waddams",
        },
    )

    deal = DealRegistration.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/deals/{deal.pk}/")
    assert deal.campaign == campaign and deal.source_lead_id == lead.pk
    assert Lead.objects.get(pk=lead.pk).status == LeadStatus.CONVERTED


def test_a_lead_that_moved_on_is_no_longer_visible(client, sales):
    lead = offered_lead(sales.membership.organization)
    from deals.services.leads import lead_assign

    lead_assign(lead=lead, organization=OrganizationFactory(), actor=None)

    assert client.get(f"/deals/leads/{lead.pk}/").status_code == 404
