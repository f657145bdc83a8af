"""Positive controls for the MDF isolation cases: the owner gets 200 where
another organization gets 404 (tests/isolation_cases.py)."""

import pytest
from django.urls import reverse

from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.isolation_cases import CASES

ALL_ROLES = ["owner", "sales", "marketing", "technical", "finance"]
#: status the owner gets (the claim form of an approved request is a page; the others are GETs)
OWNER_GETS = [
    "mdf:request_detail",
    "mdf:claim_new",
    "mdf:ledger",
    "mdf:proof",
    "mdf_api:request-detail",
    "mdf_api:claim-detail",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", OWNER_GETS)
def test_the_owner_gets_the_page(client, url_name):
    method, make_kwargs = CASES[url_name]
    victim = OrganizationFactory()
    owner = PartnerUserFactory(organization=victim, roles=ALL_ROLES)
    url = reverse(url_name, kwargs=make_kwargs(victim))
    client.force_login(owner)
    assert client.get(url).status_code == 200
