"""Attributing a deal to an MDF activity is recorded with who and when, on
the activity's timeline (the partner's request page and the admin review
page), whichever way it was done: the registration form, a lead's
conversion, the deals API, or the activity's own "link a registration"."""

import datetime
import uuid

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import APIToken

from deals.models import DealRegistration
from deals.services.leads import lead_accept
from mdf.models import ActivityDeal, MdfEvent, MdfEventKind
from mdf.services.claims import activity_link_deal
from tests.factories import PartnerUserFactory, UserFactory
from tests.factories.deals import ProductLineFactory, offered_lead, register_deal
from tests.factories.mdf import activities_to_link, submit_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    activities = activities_to_link()
    seller = PartnerUserFactory(
        organization=activities["organization"], roles=["sales", "marketing"], first_name="Rita", last_name="Lopez"
    )
    ProductLineFactory(code="storage")
    return {**activities, "seller": seller}


def deal_fields(currency, company="Acme, Inc."):
    return {
        "company_name": company,
        "domain": "acme.com",
        "country": "US",
        "estimated_value": "25000.00",
        "currency": currency,
        "expected_close_date": (timezone.localdate() + datetime.timedelta(days=45)).isoformat(),
        "contact_name": "Wile E. Coyote",
    }


def link_events(activity):
    return list(MdfEvent.objects.filter(request=activity, kind__in=[MdfEventKind.DEAL_LINKED, MdfEventKind.DEAL_MOVED]))


def assert_recorded_link(activity, deal, actor, before):
    [event] = link_events(activity)
    assert event.kind == MdfEventKind.DEAL_LINKED
    assert event.actor == actor
    assert before <= event.at <= timezone.now()
    assert event.after == {"deal": deal.pk, "request": activity.pk}
    assert event.partner_note == f"Registration #{deal.pk} {deal.company_name} now counts for this activity."


def staff_reviewer():
    user = UserFactory(first_name="Olga", last_name="Ops")
    user.groups.add(Group.objects.get(name="Channel ops"))
    return user


def test_the_registration_form_records_who_linked_the_deal_and_both_timelines_show_it(client, setting):
    own, seller = setting["own"], setting["seller"]
    client.force_login(seller)
    before = timezone.now()

    response = client.post(
        "/deals/new/",
        {
            **deal_fields(own.currency),
            "idempotency_key": uuid.uuid4().hex,
            "product_lines": [ProductLineFactory(code="storage").pk],
            "stage": "qualified",
            "mdf_activity": own.pk,
        },
    )

    assert response.status_code == 302
    deal = DealRegistration.objects.get()
    assert_recorded_link(own, deal, seller, before)
    partner_page = client.get(reverse("mdf:request_detail", args=[own.pk])).content.decode()
    assert "Registration linked" in partner_page
    assert f"Registration #{deal.pk} Acme, Inc. now counts for this activity." in partner_page

    staff = Client()
    staff.force_login(staff_reviewer())
    admin_page = staff.get(reverse("mdf_admin_request", args=[own.pk])).content.decode()
    assert "Registration linked" in admin_page and str(seller) in admin_page


def test_a_lead_conversion_records_the_converting_person(client, setting):
    own, seller = setting["own"], setting["seller"]
    lead = lead_accept(lead=offered_lead(own.organization, company_name="Initech"), actor=seller)
    client.force_login(seller)
    before = timezone.now()

    response = client.post(
        f"/deals/leads/{lead.pk}/convert/",
        {
            **deal_fields(own.currency, company="Initech"),
            "idempotency_key": "ignored",
            "product_lines": [ProductLineFactory(code="storage").pk],
            "stage": "qualified",
            "mdf_activity": own.pk,
        },
    )

    assert response.status_code == 302
    assert_recorded_link(own, DealRegistration.objects.get(), seller, before)


def test_the_deals_api_records_the_tokens_user(setting):
    own, seller = setting["own"], setting["seller"]
    _token, plaintext = APIToken.create_token(user=seller, name="CRM sync")
    api = Client(headers={"Authorization": f"Bearer {plaintext}"})
    before = timezone.now()

    response = api.post(
        "/api/v1/deals/",
        {**deal_fields(own.currency, company="Globex"), "product_lines": ["storage"], "mdf_activity": own.pk},
        content_type="application/json",
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )

    assert response.status_code == 201, response.content
    assert_recorded_link(own, DealRegistration.objects.get(), seller, before)


def test_linking_from_the_activity_page_records_the_person(client, setting):
    own, seller = setting["own"], setting["seller"]
    client.force_login(seller)
    client.post(
        "/deals/new/",
        {
            **deal_fields(own.currency),
            "idempotency_key": uuid.uuid4().hex,
            "product_lines": [ProductLineFactory(code="storage").pk],
            "stage": "qualified",
        },
    )
    deal = DealRegistration.objects.get()
    before = timezone.now()

    response = client.post(reverse("mdf:deal_link", args=[own.pk]), {"deal": deal.pk})

    assert response.status_code == 302
    assert_recorded_link(own, deal, seller, before)


def test_moving_a_deal_to_another_activity_is_recorded_on_both_and_relinking_records_nothing(setting):
    own, seller = setting["own"], setting["seller"]
    second = submit_request(own.organization, title="Storage roadshow")
    deal = register_deal(own.organization, seller, company_name="Hooli", domain="hooli.com", currency=own.currency)
    activity_link_deal(request=own, deal=deal, actor=seller)
    activity_link_deal(request=own, deal=deal, actor=seller)
    assert len(link_events(own)) == 1, "linking a deal to the activity it counts for again records nothing"

    activity_link_deal(request=second, deal=deal, actor=seller)

    assert ActivityDeal.objects.get(deal=deal).request == second
    [linked] = link_events(second)
    assert linked.actor == seller and linked.before == {"request": own.pk}
    moved = MdfEvent.objects.get(request=own, kind=MdfEventKind.DEAL_MOVED)
    assert moved.actor == seller
    assert moved.before == {"deal": deal.pk, "request": own.pk} and moved.after == {"request": second.pk}
    assert moved.partner_note == f"Registration #{deal.pk} Hooli now counts for “Storage roadshow” instead."
