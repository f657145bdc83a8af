import pytest

from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory, TierFactory

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
