"""Forms composed in the admin: validated, stored once, listed and exported in
the admin, optionally emailed, and audience-restricted like other pages."""

import pytest
from django.core import mail
from django.test import Client

from content.models import FormField, FormPage, PartnerFormSubmission
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_request(home_page):
    page = FormPage(
        title="Request a demo",
        slug="request-a-demo",
        to_address="events@vendor.example",
        from_address="portal@vendor.example",
        subject="Demo request",
        thank_you_text="<p>Thanks, we will be in touch.</p>",
    )
    page.form_fields = [
        FormField(label="Customer", field_type="singleline", required=True),
        FormField(label="Contact email", field_type="email", required=True),
        FormField(label="Seats", field_type="number", required=False),
    ]
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return FormPage.objects.get(pk=page.pk)


@pytest.fixture
def partner():
    client = Client()
    user = PartnerUserFactory(organization=OrganizationFactory(name="Acme Systems"), roles=["sales"])
    client.force_login(user)
    client.user = user
    return client


def key_from(response) -> str:
    return response.context["form"].fields["submission_key"].initial


def test_a_valid_submission_is_stored_with_the_partner_and_emailed(
    demo_request, partner, django_capture_on_commit_callbacks
):
    key = key_from(partner.get(demo_request.url))
    data = {"customer": "Globex", "contact_email": "it@globex.example", "seats": "40", "submission_key": key}

    with django_capture_on_commit_callbacks(execute=True):
        response = partner.post(demo_request.url, data)

    assert response.status_code == 200
    assert "Thanks, we will be in touch." in response.text
    submission = PartnerFormSubmission.objects.get(page=demo_request)
    assert submission.get_data()["customer"] == "Globex"
    assert (submission.user, submission.organization.name) == (partner.user, "Acme Systems")
    assert [message.to for message in mail.outbox] == [["events@vendor.example"]]
    assert "Globex" in mail.outbox[0].body and "submission_key" not in mail.outbox[0].body


def test_invalid_values_get_clear_errors_and_nothing_is_stored(demo_request, partner):
    key = key_from(partner.get(demo_request.url))

    response = partner.post(
        demo_request.url, {"customer": "", "contact_email": "not-an-email", "seats": "many", "submission_key": key}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["customer"] == ["This field is required."]
    assert errors["contact_email"] == ["Enter a valid email address."]
    assert errors["seats"] == ["Enter a number."]
    assert 'value="not-an-email"' in response.text  # what was typed is kept
    assert not PartnerFormSubmission.objects.exists()


def test_a_double_click_stores_the_submission_once(demo_request, partner, django_capture_on_commit_callbacks):
    key = key_from(partner.get(demo_request.url))
    data = {"customer": "Globex", "contact_email": "it@globex.example", "submission_key": key}

    with django_capture_on_commit_callbacks(execute=True):
        first = partner.post(demo_request.url, data)
        second = partner.post(demo_request.url, data)

    assert first.status_code == second.status_code == 200
    assert PartnerFormSubmission.objects.filter(page=demo_request).count() == 1
    assert len(mail.outbox) == 1
    fresh_key = key_from(partner.get(demo_request.url))
    assert fresh_key != key  # a new visit is a new submission


def test_channel_ops_list_and_export_submissions_in_the_admin(demo_request, partner, admin_client):
    key = key_from(partner.get(demo_request.url))
    partner.post(demo_request.url, {"customer": "Globex", "contact_email": "it@globex.example", "submission_key": key})

    listing = admin_client.get(f"/admin/forms/submissions/{demo_request.pk}/")
    export = admin_client.get(f"/admin/forms/submissions/{demo_request.pk}/?export=csv")

    assert listing.status_code == 200 and "Globex" in listing.text
    csv_text = b"".join(export.streaming_content).decode()
    assert "Customer" in csv_text and "Globex" in csv_text and "it@globex.example" in csv_text


def test_a_form_outside_the_partners_audience_is_not_found_and_takes_nothing(demo_request, partner):
    demo_request.audience_tiers.set([TierFactory(name="Gold")])
    demo_request.save_revision().publish()

    assert partner.get(demo_request.url).status_code == 404
    response = partner.post(demo_request.url, {"customer": "Globex", "contact_email": "it@globex.example"})
    assert response.status_code == 404
    assert not PartnerFormSubmission.objects.exists()
