"""/api/v1/mdf/: partner API tokens, the caller's organization only, clear
errors; webhook events for request and claim status changes."""

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import APIToken

from mdf.models import Claim, FundRequest, ProofOfPerformance
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.mdf import PDF, ActivityTypeFactory, allocated, auto_approve_all, submit_request, upload
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

REQUESTS = "/api/v1/mdf/requests/"
CLAIMS = "/api/v1/mdf/claims/"


def api_client(user) -> Client:
    _token, plaintext = APIToken.create_token(user=user, name="Marketing automation")
    return Client(headers={"Authorization": f"Bearer {plaintext}"})


@pytest.fixture
def partner():
    auto_approve_all()
    organization = OrganizationFactory(name="Acme Partners")
    allocated(organization)
    return organization, PartnerUserFactory(organization=organization, roles=["marketing"])


def body(**overrides):
    ActivityTypeFactory(code="webinar")
    today = timezone.localdate()
    data = {
        "activity_type": "webinar",
        "title": "API webinar",
        "description": "Booked through the API",
        "starts_on": (today + datetime.timedelta(days=3)).isoformat(),
        "ends_on": (today + datetime.timedelta(days=3)).isoformat(),
        "planned_cost": "3000.00",
        "requested_amount": "1500.00",
    }
    data.update(overrides)
    return data


def test_create_list_and_read_requests(partner):
    organization, user = partner
    client = api_client(user)
    response = client.post(REQUESTS, body(), content_type="application/json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["status"] == "approved" and created["committed_amount"] == "1500.00"
    submit_request(OrganizationFactory_with_allocation(), title="Someone else's")
    listing = client.get(REQUESTS).json()
    assert [row["title"] for row in listing["results"]] == ["API webinar"]
    assert client.get(f"{REQUESTS}{created['id']}/").json()["organization"] == organization.pk


def OrganizationFactory_with_allocation():  # noqa: N802 - a factory
    other = OrganizationFactory()
    allocated(other)
    return other


def test_errors_name_the_field(partner):
    _organization, user = partner
    response = api_client(user).post(
        REQUESTS, body(requested_amount="2000.00", activity_type="unknown"), content_type="application/json"
    )
    assert response.status_code == 400
    assert "Unknown activity type" in response.json()["activity_type"][0]
    response = api_client(user).post(REQUESTS, body(requested_amount="2000.00"), content_type="application/json")
    assert response.status_code == 400
    assert "At most 50% of the planned cost" in response.json()["requested_amount"][0]
    assert not FundRequest.objects.exists()


def test_a_claim_with_proof_through_the_api(partner):
    organization, user = partner
    request = submit_request(organization)
    client = api_client(user)
    response = client.post(
        CLAIMS, {"request": request.pk, "actual_cost": "4000", "claimed_amount": "2000", "proofs": [upload()]}
    )
    assert response.status_code == 201, response.content
    assert response.json()["proofs"][0]["content_type"] == "application/pdf"
    assert client.get(f"{CLAIMS}{response.json()['id']}/").status_code == 200
    assert Claim.objects.get().proofs.get().file.read().startswith(PDF[:5])


def test_a_claim_with_a_disguised_file_is_refused_through_the_api_and_stores_nothing(partner):
    organization, user = partner
    request = submit_request(organization)
    executable = upload("invoice.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100)

    response = api_client(user).post(
        CLAIMS, {"request": request.pk, "actual_cost": "4000", "claimed_amount": "9000", "proofs": [executable]}
    )

    assert response.status_code == 400
    errors = response.json()
    assert "invoice.pdf is not a file type we accept" in errors["proofs"][0]
    assert "at most the approved $2,000.00" in errors["claimed_amount"][0]
    assert not Claim.objects.exists() and not ProofOfPerformance.objects.exists()
    request.refresh_from_db()
    assert request.status == "approved"


def test_a_claim_against_another_organizations_request_is_not_found(partner):
    organization, user = partner
    victim = OrganizationFactory(name="Globex")
    allocated(victim)
    foreign_request = submit_request(victim)
    own_request = submit_request(organization)
    client = api_client(user)
    figures = {"actual_cost": "4000", "claimed_amount": "2000"}

    refused = client.post(CLAIMS, {"request": foreign_request.pk, **figures, "proofs": [upload()]})

    assert refused.status_code == 404
    assert not Claim.objects.exists()
    # The positive control: the same claim against the caller's own request is taken.
    accepted = client.post(CLAIMS, {"request": own_request.pk, **figures, "proofs": [upload()]})
    assert accepted.status_code == 201, accepted.content
    assert Claim.objects.get().request == own_request
    assert client.get(f"{CLAIMS}{'9' * 20}/").status_code == 404  # beyond any id: not found, not an error


def test_a_sales_token_cannot_request_funds(partner):
    organization, _user = partner
    seller = PartnerUserFactory(organization=organization, roles=["sales"])
    assert api_client(seller).post(REQUESTS, body(), content_type="application/json").status_code == 403


def test_status_changes_send_webhook_events(partner, django_capture_on_commit_callbacks):
    organization, _user = partner
    endpoint = WebhookEndpoint.objects.create(organization=organization, url="http://127.0.0.1:9/hook")
    submit_request(organization, requested_amount=Decimal("1000"))
    events = list(WebhookDelivery.objects.filter(endpoint=endpoint).order_by("pk").values_list("event_type", flat=True))
    assert events == ["mdf.request.submitted", "mdf.request.approved"]
    payload = WebhookDelivery.objects.get(event_type="mdf.request.approved").payload
    assert payload["request"]["approved_amount"] == "1000.00"
