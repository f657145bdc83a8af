"""A co-sell grant lasts only as long as the grantee's access to the portal:
a colleague deactivated through the team page, or anyone of a suspended
organization, no longer reads shared deals through the API (session or token)."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from wagtail.models import APIToken

from deals.services import deal_share
from programs.services.api_tokens import api_token_create
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal

pytestmark = pytest.mark.django_db

DEALS = "/api/v1/deals/"


@pytest.fixture
def shared(vendor_staff):
    """A deal of one organization shared with a seller of a co-selling one,
    who reads it through a browser session and a CRM token."""
    RoutingRuleFactory()
    owner_org = OrganizationFactory(name="Owner Partner")
    deal = register_deal(owner_org, PartnerUserFactory(organization=owner_org, roles=["sales"]))
    co_seller_org = OrganizationFactory(name="Co-seller Partner")
    co_seller_owner = PartnerUserFactory(organization=co_seller_org, roles=["owner"])
    grantee = PartnerUserFactory(organization=co_seller_org, roles=["sales"])
    deal_share(deal=deal, user=grantee, actor=vendor_staff)
    session = Client()
    session.force_login(grantee)
    _token, plaintext = api_token_create(user=grantee, name="CRM sync")
    token = Client(headers={"Authorization": f"Bearer {plaintext}"})
    return {"deal": deal, "grantee": grantee, "owner": co_seller_owner, "session": session, "token": token}


def reads_the_deal(client, deal) -> bool:
    listing = client.get(DEALS)
    listed = listing.status_code == 200 and deal.pk in [row["id"] for row in listing.json()["results"]]
    detail = client.get(f"{DEALS}{deal.pk}/").status_code
    assert detail in (200, 401, 403, 404)
    return listed or detail == 200


def test_the_grantee_reads_the_shared_deal_while_active(shared):
    assert reads_the_deal(shared["session"], shared["deal"])
    assert reads_the_deal(shared["token"], shared["deal"])


def test_a_colleague_deactivated_through_the_team_page_no_longer_reads_shared_deals(shared):
    owner = Client()
    owner.force_login(shared["owner"])
    response = owner.post(f"/team/{shared['grantee'].membership.pk}/deactivate/")
    assert response.status_code == 302

    assert not reads_the_deal(shared["session"], shared["deal"])
    assert not reads_the_deal(shared["token"], shared["deal"])


def test_people_of_a_suspended_organization_lose_shared_deals_and_their_tokens(shared):
    ops = UserFactory()
    ops.groups.add(Group.objects.get(name="Channel ops"))
    admin = Client()
    admin.force_login(ops)
    organization = shared["grantee"].membership.organization
    response = admin.post(
        f"/admin/snippets/programs/partnerorganization/edit/{organization.pk}/",
        {
            "name": organization.name,
            "status": "suspended",
            "partner_type": organization.partner_type_id,
            "region": organization.region_id,
            "preferred_language": "en",
            "country": "GB",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    organization.refresh_from_db()
    assert organization.status == "suspended"

    assert not reads_the_deal(shared["session"], shared["deal"])
    assert not reads_the_deal(shared["token"], shared["deal"])
    assert not APIToken.objects.filter(user=shared["grantee"], revoked_at__isnull=True).exists()
    assert shared["token"].get(DEALS).status_code == 401
