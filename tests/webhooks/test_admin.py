"""Channel ops find webhooks in the admin under one "Webhooks" menu: the
endpoints (a private address is refused with the reason) and every delivery
with each attempt's time, answer and error. Administrators keep the
allow-list under Settings → Webhook settings."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from tests.factories import OrganizationFactory, UserFactory
from webhooks.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookSettings

pytestmark = pytest.mark.django_db

ENDPOINTS = "/admin/snippets/webhooks/webhookendpoint/"
DELIVERIES = "/admin/snippets/webhooks/webhookdelivery/"


@pytest.fixture
def channel_ops():
    user = UserFactory()
    user.groups.add(Group.objects.get(name="Channel ops"))
    return user


def test_channel_ops_have_a_webhooks_menu_with_endpoints_and_deliveries(client, channel_ops):
    client.force_login(channel_ops)

    html = client.get("/admin/").content.decode()

    assert "Webhooks" in html
    assert ENDPOINTS in html and DELIVERIES in html


def test_an_endpoint_on_a_private_network_is_refused_with_the_reason(client, channel_ops):
    organization = OrganizationFactory()
    client.force_login(channel_ops)
    form = {"organization": organization.pk, "url": "http://192.168.10.20/crm", "description": "", "is_active": "on"}

    response = client.post(f"{ENDPOINTS}add/", form)

    assert response.status_code == 200
    assert "192.168.10.20 resolves to 192.168.10.20, a private network address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()

    WebhookSettings.objects.update_or_create(defaults={"allowed_hosts": "192.168.10.20"})
    response = client.post(f"{ENDPOINTS}add/", form)

    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().url == "http://192.168.10.20/crm"


def test_a_delivery_page_lists_every_attempt(client, channel_ops):
    organization = OrganizationFactory()
    endpoint = WebhookEndpoint.objects.create(organization=organization, url="https://crm.example/hook")
    delivery = WebhookDelivery.objects.create(
        organization=organization, endpoint=endpoint, event_type="deal.approved", payload={}, attempts=2
    )
    at = timezone.now() - timedelta(minutes=5)
    DeliveryAttempt.objects.create(
        delivery=delivery, number=1, started_at=at, address="93.184.216.34", status_code=503, error="HTTP 503"
    )
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=2,
        started_at=at + timedelta(seconds=15),
        address="93.184.216.34",
        error="TimeoutError: timed out",
    )
    client.force_login(channel_ops)

    html = client.get(f"{DELIVERIES}inspect/{delivery.pk}/").content.decode()

    assert "Attempts made" in html
    assert "HTTP 503" in html and "TimeoutError: timed out" in html
    assert html.count("93.184.216.34") == 2


def test_only_administrators_edit_the_allow_list(client, channel_ops):
    admin = UserFactory(is_superuser=True, is_staff=True)
    url = f"/admin/settings/webhooks/webhooksettings/{WebhookSettings.load().pk}/"
    client.force_login(channel_ops)
    assert client.get(url).status_code in (302, 403)

    client.force_login(admin)
    refused = client.post(url, {"allowed_hosts": "http://crm.internal:8080/hook"})
    assert "without scheme, port or path" in refused.content.decode()

    client.post(url, {"allowed_hosts": "crm.internal\n10.0.0.5"})
    assert WebhookSettings.load().allowed_host_keys() == {"crm.internal", "10.0.0.5"}
