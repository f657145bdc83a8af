"""Partner users create and revoke their API tokens in the portal: the
plaintext is shown once, a token sees only its organization, owners manage
their colleagues' tokens, and a deactivated colleague's tokens stop working."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from wagtail.models import APIToken, ModelLogEntry

from programs.services.api_tokens import MAX_ACTIVE_TOKENS_PER_USER
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import register_deal

pytestmark = pytest.mark.django_db

PAGE = reverse("programs:api_tokens")
DEALS_API = "/api/v1/deals/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client, name="Salesforce sync"):
    response = client.post(PAGE, {"name": name})
    match = re.search(r'value="(wagtail_[A-Za-z0-9]+)"', response.content.decode())
    return response, match.group(1) if match else None


def api(plaintext):
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


@pytest.fixture
def acme():
    organization = OrganizationFactory(name="Acme Partners")
    return {
        "organization": organization,
        "owner": PartnerUserFactory(organization=organization, roles=["owner"]),
        "sales": PartnerUserFactory(organization=organization, roles=["sales"]),
    }


def test_a_new_token_is_shown_once_and_reads_only_its_organizations_deals(acme):
    own_deal = register_deal(acme["organization"])
    register_deal(OrganizationFactory())
    client = signed_in(acme["sales"])

    response, plaintext = create(client)

    assert response.status_code == 200
    assert plaintext, "the plaintext is on the page that created it"
    assert "no-store" in response["Cache-Control"]
    listing = client.get(PAGE).content.decode()
    assert "Salesforce sync" in listing and plaintext not in listing
    body = api(plaintext).get(DEALS_API).json()
    assert [deal["id"] for deal in body["results"]] == [own_deal.pk]
    token = APIToken.objects.get(user=acme["sales"])
    assert ModelLogEntry.objects.filter(action="wagtail.apitoken.create", object_id=str(token.pk)).exists()


def test_bad_names_and_too_many_tokens_are_refused_with_a_message(acme):
    client = signed_in(acme["sales"])

    response, plaintext = create(client, name="   ")
    assert response.status_code == 400 and plaintext is None
    assert not APIToken.objects.exists()

    for number in range(MAX_ACTIVE_TOKENS_PER_USER):
        create(client, name=f"Sync {number}")
    response, plaintext = create(client, name="One too many")
    assert response.status_code == 400 and plaintext is None
    assert "revoke one you no longer use" in response.content.decode()
    assert APIToken.objects.filter(user=acme["sales"]).count() == MAX_ACTIVE_TOKENS_PER_USER


def test_a_revoked_token_stops_working_and_the_revocation_is_logged(acme):
    client = signed_in(acme["sales"])
    _response, plaintext = create(client)
    token = APIToken.objects.get(user=acme["sales"])

    response = client.post(reverse("programs:api_token_revoke", args=[token.pk]))

    assert response.status_code == 302
    assert api(plaintext).get(DEALS_API).status_code == 401
    entry = ModelLogEntry.objects.get(action="wagtail.apitoken.revoke", object_id=str(token.pk))
    assert entry.user_id == acme["sales"].pk
    assert client.post(reverse("programs:api_token_revoke", args=[token.pk])).status_code == 404


def test_owners_manage_colleagues_tokens_but_colleagues_not_the_owners(acme):
    _response, sales_plaintext = create(signed_in(acme["sales"]), name="Sales CRM")
    _response, owner_plaintext = create(signed_in(acme["owner"]), name="Owner ERP")
    sales_token = APIToken.objects.get(user=acme["sales"])
    owner_token = APIToken.objects.get(user=acme["owner"])

    sales_page = signed_in(acme["sales"]).get(PAGE).content.decode()
    assert "Sales CRM" in sales_page and "Owner ERP" not in sales_page
    revoke_owner = reverse("programs:api_token_revoke", args=[owner_token.pk])
    assert signed_in(acme["sales"]).post(revoke_owner).status_code == 404
    assert api(owner_plaintext).get(DEALS_API).status_code == 200

    owner_client = signed_in(acme["owner"])
    assert "Sales CRM" in owner_client.get(PAGE).content.decode()
    owner_client.post(reverse("programs:api_token_revoke", args=[sales_token.pk]))
    assert api(sales_plaintext).get(DEALS_API).status_code == 401


def test_deactivating_a_colleague_revokes_their_tokens(acme):
    _response, plaintext = create(signed_in(acme["sales"]))
    assert api(plaintext).get(DEALS_API).status_code == 200

    signed_in(acme["owner"]).post(reverse("programs:member_deactivate", args=[acme["sales"].membership.pk]))

    assert api(plaintext).get(DEALS_API).status_code == 401
