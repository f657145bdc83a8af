"""The public partner application form."""

import pytest

from programs.models import PartnerApplication
from tests.factories import OrganizationFactory, application_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_data():
    return application_form(website="https://www.globex.example/about")


def test_a_company_applies_and_lands_on_the_thank_you_page(client, form_data):
    response = client.post("/apply/", form_data)

    assert response.status_code == 302
    assert response["Location"] == "/apply/thanks/"
    application = PartnerApplication.objects.get()
    assert (application.email_domain, application.country, application.expected_revenue_currency) == (
        "globex.example",
        "DE",
        "EUR",
    )
    assert application.status == "pending"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"contact_email": "not-an-email"}, "contact_email", "Enter an e-mail address such as name@example.com."),
        ({"contact_email": "hank@gmail.com"}, "contact_email", "Use an address at globex.example"),
        ({"expected_annual_revenue": "-5"}, "expected_annual_revenue", "greater than or equal to 0"),
        ({"expected_revenue_currency": "euro"}, "expected_revenue_currency", ""),
        ({"country": "Germany"}, "country", ""),
    ],
)
def test_bad_input_gets_a_clear_error_and_stores_nothing(client, form_data, change, field, message):
    response = client.post("/apply/", {**form_data, **change})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert message in " ".join(response.context["form"].errors[field])
    assert not PartnerApplication.objects.exists()


def test_a_second_application_for_the_same_domain_is_refused(client, form_data):
    client.post("/apply/", form_data)

    again = client.post("/apply/", {**form_data, "company_name": "Globex Corporation", "website": "globex.example"})

    assert again.status_code == 400
    assert "An application for globex.example is already under review." in again.content.decode()
    assert PartnerApplication.objects.count() == 1


def test_an_existing_partner_cannot_apply_again(client, form_data):
    OrganizationFactory(email_domain="globex.example")

    response = client.post("/apply/", form_data)

    assert response.status_code == 400
    assert "globex.example is already a partner" in response.content.decode()
    assert not PartnerApplication.objects.exists()


def test_channel_ops_review_applications_in_the_admin(client, form_data):
    from django.contrib.auth.models import Group

    from tests.factories import PASSWORD, UserFactory

    client.post("/apply/", form_data)
    ops = UserFactory()
    ops.groups.add(Group.objects.get(name="Channel ops"))
    assert client.login(username=ops.username, password=PASSWORD)

    listing = client.get("/admin/snippets/programs/partnerapplication/", {"status": "pending"})

    assert listing.status_code == 200
    assert "Globex Storage GmbH" in listing.content.decode()
