import re

import pytest
from django.urls import reverse

from programs.models import OrganizationStatus
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory, TierFactory
from tests.factories.deals import register_deal

pytestmark = pytest.mark.django_db


def test_a_partner_lands_on_their_organizations_dashboard(client):
    organization = OrganizationFactory(name="Northwind Systems", tier=TierFactory(name="Gold"))
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    assert client.login(username=user.username, password=PASSWORD)

    response = client.get("/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Northwind Systems</h1>" in html
    assert "Gold partner" in html


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/dashboard/"


def test_people_without_an_active_membership_get_not_found(client, vendor_staff):
    suspended = OrganizationFactory(status="suspended")
    former_partner = PartnerUserFactory(organization=suspended)

    for user in (vendor_staff, former_partner):
        client.force_login(user)
        assert client.get("/dashboard/").status_code == 404


def checklist_step(html: str, label: str) -> str:
    checklist = re.search(r'<section class="card checklist">.*?</section>', html, re.S).group(0)
    return re.search(rf"<li[^>]*>[^<]*(?:<a [^>]*>)?{label}.*?</li>", checklist, re.S).group(0)


def test_the_first_registered_deal_ticks_off_the_onboarding_step(client):
    organization = OrganizationFactory(name="Fresh Partner", status=OrganizationStatus.ONBOARDING)
    owner = PartnerUserFactory(organization=organization, roles=["owner"])
    client.force_login(owner)

    before = checklist_step(client.get("/dashboard/").text, "Register your first deal")
    register_deal(organization, owner)
    after = checklist_step(client.get("/dashboard/").text, "Register your first deal")

    assert before.startswith('<li class="">')
    assert f'<a href="{reverse("deals:new")}">Register your first deal</a>' in before
    assert after.startswith('<li class="done">')
    assert "(done)" in after
    assert "<a " not in after


def test_another_organizations_deal_does_not_tick_off_the_step(client):
    organization = OrganizationFactory(status=OrganizationStatus.ONBOARDING)
    client.force_login(PartnerUserFactory(organization=organization))
    other = OrganizationFactory()
    register_deal(other, PartnerUserFactory(organization=other, roles=["sales"]))

    step = checklist_step(client.get("/dashboard/").text, "Register your first deal")

    assert step.startswith('<li class="">')
