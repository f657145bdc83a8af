"""Completing onboarding: agreement, company profile with logo, activation."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from programs.models import AgreementAcceptance, OrganizationStatus, PartnerAgreement
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory

pytestmark = pytest.mark.django_db


def png(size=(200, 80), extra_bytes=0) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "#1d4ed8").save(buffer, "PNG")
    return SimpleUploadedFile("logo.png", buffer.getvalue() + b"\0" * extra_bytes, content_type="image/png")


PROFILE = {
    "website": "https://onboard.example",
    "contact_email": "partners@onboard.example",
    "phone": "+1 555 0100",
    "street_address": "1 Main Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
    "brand_colour": "#123456",
    "preferred_language": "en",
}


@pytest.fixture
def owner(client):
    organization = OrganizationFactory(status=OrganizationStatus.ONBOARDING)
    user = PartnerUserFactory(organization=organization, roles=["owner"])
    assert client.login(username=user.username, password=PASSWORD)
    return user


def test_onboarding_ends_when_the_agreement_is_accepted_and_the_profile_complete(client, owner):
    PartnerAgreement.objects.create(version="2026.1", title="Partner agreement", body="<p>Terms.</p>")
    organization = owner.membership.organization
    dashboard = client.get("/dashboard/").content.decode()
    assert "Getting started" in dashboard and "Accept the partner agreement" in dashboard

    client.post("/agreement/", {"accept": "on"}, REMOTE_ADDR="203.0.113.7")
    acceptance = AgreementAcceptance.objects.get(organization=organization)
    assert (acceptance.user, acceptance.ip_address, acceptance.agreement.version) == (owner, "203.0.113.7", "2026.1")
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.ONBOARDING, "the profile is not complete yet"
    assert organization.first_action_at is not None

    response = client.post("/profile/", {**PROFILE, "logo": png()})

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.status == OrganizationStatus.ACTIVE
    assert organization.activated_at is not None
    assert "Getting started" not in client.get("/dashboard/").content.decode()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: png(extra_bytes=2 * 1024 * 1024), "the limit is 2.0"),
        (lambda: SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", content_type="image/png"), "image"),
        (lambda: png(size=(5000, 10)), "at most 4000 pixels"),
    ],
)
def test_a_bad_logo_is_refused_and_the_previous_one_stays(client, owner, upload, message):
    client.post("/profile/", {**PROFILE, "logo": png()})
    organization = owner.membership.organization
    organization.refresh_from_db()
    previous_logo = organization.logo.name

    response = client.post("/profile/", {**PROFILE, "city": "Shelbyville", "logo": upload()})

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["logo"])
    organization.refresh_from_db()
    assert (organization.logo.name, organization.city) == (previous_logo, "Springfield")


def test_a_sales_rep_cannot_edit_the_profile_or_accept_the_agreement(client):
    rep = PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"])
    client.force_login(rep)

    assert client.get("/profile/").status_code == 404
    assert client.post("/agreement/", {"accept": "on"}).status_code == 404
