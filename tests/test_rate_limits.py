"""Rate limits on the public and API surfaces, counted in the real Redis:
the API (DRF throttles), the public application form and co-branded files
(a WeasyPrint render each, limited per organization)."""

import base64

import pytest
from django.core.cache import caches
from django.test import Client
from rest_framework.throttling import UserRateThrottle
from wagtail.models import APIToken

from content.models import CobrandGeneration
from programs.models import PartnerApplication
from tests.content.test_cobranding import acme_partner, flyer, generate
from tests.factories import PASSWORD, OrganizationFactory, PartnerUserFactory, application_form

pytestmark = pytest.mark.django_db


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_the_cache_is_the_real_redis():
    assert type(caches["default"]).__name__ == "RedisCache"


def test_api_calls_over_the_rate_get_429_with_retry_after(monkeypatch):
    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "3/min")
    user = PartnerUserFactory()
    _token, plaintext = APIToken.create_token(user=user, name="CRM sync")
    client = Client(headers={"Authorization": f"Bearer {plaintext}"})

    answers = [client.get("/api/v1/deals/") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert "Request was throttled" in answers[-1].json()["detail"]
    # Counted per user: a colleague of another organization is not slowed down.
    _token, other = APIToken.create_token(user=PartnerUserFactory(), name="CRM sync")
    assert Client(headers={"Authorization": f"Bearer {other}"}).get("/api/v1/deals/").status_code == 200


@pytest.mark.parametrize("url", ["/api/v1/deals/", "/api/v1/leads/", "/api/v2/pages/"])
def test_http_basic_authentication_is_refused(url):
    user = PartnerUserFactory()

    response = Client(headers={"Authorization": basic(user.username, PASSWORD)}).get(url)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.fixture
def application():
    return application_form()


def test_applications_from_one_address_are_limited_with_a_human_message(client, settings, application):
    settings.APPLICATIONS_PER_HOUR_PER_ADDRESS = 2
    for number in range(2):
        data = {**application, "company_name": f"Globex {number}", "contact_email": f"h{number}@globex{number}.example"}
        data["website"] = f"https://globex{number}.example/"
        assert client.post("/apply/", data).status_code == 302

    refused = client.post("/apply/", application)

    assert refused.status_code == 429
    assert "Too many attempts. Please try again in" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert 'value="Globex Storage GmbH"' in refused.content.decode()  # nothing typed is lost
    assert PartnerApplication.objects.count() == 2
    # Another address still applies.
    assert Client(REMOTE_ADDR="203.0.113.9").post("/apply/", application).status_code == 302


def test_cobranded_generation_is_limited_per_organization(home_page, settings):
    settings.COBRAND_GENERATIONS_PER_HOUR = 2
    template = flyer(home_page)
    client, _user, organization = acme_partner()
    colleague = Client()
    colleague.force_login(PartnerUserFactory(organization=organization, roles=["sales"]))

    assert generate(client, template, headline="One").status_code == 202
    assert generate(colleague, template, headline="Two").status_code == 202
    refused = generate(client, template, headline="Three")

    assert refused.status_code == 429
    message = refused.json()["errors"]["__all__"][0]
    assert "Your organization has created 2 co-branded files in the last hour" in message
    assert "You can create the next one in 60 minutes" in message
    assert 3500 < int(refused["Retry-After"]) <= 3601
    assert CobrandGeneration.objects.filter(organization=organization).count() == 2

    other = Client()
    other.force_login(PartnerUserFactory(organization=OrganizationFactory(), roles=["marketing"]))
    assert generate(other, template, headline="Elsewhere").status_code == 202
