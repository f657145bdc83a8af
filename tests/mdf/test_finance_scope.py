"""What the Finance group sees, as a non-superuser member: every
organization's MDF records (it pays every partner's claims), and not the deal
registrations, leads or support cases, nor the partner pages."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from mdf.models import LedgerEntry
from mdf.services.claims import claim_submit
from tests.factories import OrganizationFactory, UserFactory
from tests.factories.mdf import allocated, auto_approve_all, submit_request, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance(client):
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Finance"))
    client.force_login(user)
    return user


@pytest.fixture
def two_partners():
    auto_approve_all()
    cams = [UserFactory(), UserFactory()]
    organizations = [
        OrganizationFactory(name="Alpha Ltd", channel_account_manager=cams[0]),
        OrganizationFactory(name="Beta GmbH", channel_account_manager=cams[1]),
    ]
    claims = []
    for organization, title in zip(organizations, ("Alpha webinar", "Beta trade show"), strict=True):
        allocated(organization)
        request = submit_request(organization, title=title)
        claims.append(
            claim_submit(request=request, submitted_by=None, actual_cost=4000, claimed_amount=2000, proofs=[upload()])
        )
    return claims


def test_finance_sees_every_organizations_mdf_records(client, finance, two_partners):
    requests = client.get(reverse("wagtailsnippets_mdf_fundrequest:list")).content.decode()
    assert "Alpha webinar" in requests and "Beta trade show" in requests
    ledger = client.get(reverse("wagtailsnippets_mdf_ledgerentry:list")).content.decode()
    assert "Alpha Ltd" in ledger and "Beta GmbH" in ledger
    assert LedgerEntry.objects.values("organization").distinct().count() == 2
    for claim in two_partners:
        assert client.get(reverse("mdf_admin_claim", args=[claim.pk])).status_code == 200
        assert client.get(reverse("mdf_admin_request", args=[claim.request_id])).status_code == 200
        proof = claim.proofs.get()
        assert client.get(reverse("mdf:proof", args=[proof.pk])).status_code == 200
    report = client.get(reverse("mdf_admin_report") + "?by=organization").content.decode()
    assert "Alpha Ltd" in report and "Beta GmbH" in report


def test_finance_does_not_see_deals_leads_cases_or_partner_pages(client, finance, two_partners):
    for url_name in ("dealregistration:index", "lead:index", "support_cases:index"):
        assert client.get(reverse(url_name)).status_code in (302, 403), url_name
    for url in ("/deals/", "/deals/leads/", reverse("mdf:home")):
        assert client.get(url).status_code == 404, url
