"""Webhooks reach public internet addresses only: loopback, private,
link-local, multicast and reserved addresses (IPv4 and IPv6, however the host
is spelled) and redirects to them are refused unless an administrator
allow-lists the host. Deliveries go to a real HTTP server on loopback."""

import ipaddress

import pytest
from django.core.exceptions import ValidationError

from tests.factories import OrganizationFactory
from webhooks.destinations import Destination, DestinationRefused, address_is_public, destination_check
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import delivery_attempt
from webhooks.transport import _post_once

NOT_PUBLIC = [
    "127.0.0.1",
    "127.255.0.9",
    "0.0.0.0",  # noqa: S104 - an address to refuse, not one to bind
    "10.1.2.3",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # cloud metadata
    "224.0.0.251",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "198.18.0.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
]
PUBLIC = ["8.8.8.8", "93.184.216.34", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_non_public_addresses_are_recognized(address):
    assert not address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert address_is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",
        "0x7f000001",
        "0x7f.1",
        "127.1",
        "0177.0.0.1",
        "localhost",
        "[::1]",
        "[::ffff:127.0.0.1]",
    ],
)
def test_every_spelling_of_loopback_is_refused_after_resolving_it(host):
    with pytest.raises(DestinationRefused, match="loopback address") as refusal:
        destination_check(f"http://{host}:8080/hook")
    assert "Settings → Webhook settings" in refusal.value.messages[0]


def test_an_allow_listed_host_resolves_to_the_address_connected_to():
    destination = destination_check("http://127.0.0.1:8080/hook?x=1", allowed_hosts=frozenset({"127.0.0.1"}))

    assert (destination.address, destination.port, destination.target) == ("127.0.0.1", 8080, "/hook?x=1")
    # Allow-listing one spelling does not allow the others.
    with pytest.raises(DestinationRefused):
        destination_check("http://2130706433:8080/hook", allowed_hosts=frozenset({"127.0.0.1"}))


def test_the_connection_goes_to_the_checked_address_without_resolving_again(make_receiver):
    """DNS rebinding: the host is never looked up a second time; here it
    cannot even be resolved, yet the request reaches the checked address."""
    receiver = make_receiver(answers=(204,))
    destination = Destination(
        scheme="http", host="crm.partner.invalid", port=receiver.port, target="/hook", address="127.0.0.1"
    )

    status, _location = _post_once(destination, b"{}", {"Content-Type": "application/json"}, timeout=5)

    assert status == 204
    assert receiver.requests[0]["headers"]["host"] == f"crm.partner.invalid:{receiver.port}"


def _delivery(url: str) -> WebhookDelivery:
    organization = OrganizationFactory()
    endpoint = WebhookEndpoint.objects.create(organization=organization, url=url)
    return WebhookDelivery.objects.create(
        organization=organization, endpoint=endpoint, event_type="test.ping", payload={"event": "test.ping"}
    )


@pytest.mark.django_db
def test_a_loopback_endpoint_is_refused_unless_allow_listed(make_receiver, allow_hosts):
    receiver = make_receiver(answers=(204,))
    refused = _delivery(f"{receiver.url}/hook")

    result = delivery_attempt(delivery_id=refused.pk)

    assert receiver.requests == []
    assert result.delivery.status == DeliveryStatus.FAILED  # refusals are not retried
    assert result.delivery.last_error.startswith("Refused: 127.0.0.1 resolves to 127.0.0.1, a loopback address")
    [attempt] = result.delivery.attempt_log.all()
    assert (attempt.status_code, attempt.succeeded) == (None, False) and attempt.error.startswith("Refused")

    allow_hosts("127.0.0.1")
    allowed = _delivery(f"{receiver.url}/hook")
    assert delivery_attempt(delivery_id=allowed.pk).delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "location",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/hook", "http://[::ffff:127.0.0.1]:{port}/hook"],
)
def test_a_redirect_to_a_non_public_address_is_refused(make_receiver, allow_loopback, location):
    receiver = make_receiver(answers=((307, location.format(port=0)),))
    delivery = _delivery(f"{receiver.url}/hook")

    result = delivery_attempt(delivery_id=delivery.pk)

    assert len(receiver.requests) == 1  # the redirect was never followed
    assert result.delivery.status == DeliveryStatus.FAILED
    assert "Refused" in result.delivery.last_error and "address" in result.delivery.last_error


@pytest.mark.django_db
def test_a_redirect_to_an_allowed_destination_is_followed_with_the_same_body(make_receiver, allow_loopback):
    target = make_receiver(answers=(204,))
    redirecting = make_receiver(answers=((308, f"{target.url}/moved"),))
    delivery = _delivery(f"{redirecting.url}/hook")

    result = delivery_attempt(delivery_id=delivery.pk)

    assert result.delivery.status == DeliveryStatus.DELIVERED
    assert target.requests[0]["path"] == "/moved"
    assert target.requests[0]["body"] == redirecting.requests[0]["body"]


@pytest.mark.django_db
def test_a_redirect_that_would_turn_the_post_into_a_get_is_not_followed(make_receiver, allow_loopback, settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    target = make_receiver(answers=(204,))
    redirecting = make_receiver(answers=((302, f"{target.url}/moved"),))
    delivery = _delivery(f"{redirecting.url}/hook")

    result = delivery_attempt(delivery_id=delivery.pk)

    assert target.requests == []
    assert result.delivery.status == DeliveryStatus.PENDING  # retried later, in case it was temporary
    assert result.delivery.last_error.startswith("HTTP 302: redirect to")


@pytest.mark.django_db
def test_an_endpoint_url_on_a_private_network_is_refused_on_save_with_the_reason(allow_hosts):
    endpoint = WebhookEndpoint(organization=OrganizationFactory(), url="http://10.20.30.40/hook")

    with pytest.raises(ValidationError) as refusal:
        endpoint.full_clean()

    [message] = refusal.value.message_dict["url"]
    assert "10.20.30.40 resolves to 10.20.30.40, a private network address" in message
    assert "An administrator can allow this host under Settings → Webhook settings." in message

    allow_hosts("10.20.30.40")
    endpoint.full_clean()


@pytest.mark.django_db
def test_an_endpoint_url_whose_host_cannot_be_found_is_refused_on_save():
    endpoint = WebhookEndpoint(organization=OrganizationFactory(), url="https://crm.partner.invalid/hook")

    with pytest.raises(ValidationError) as refusal:
        endpoint.full_clean()

    assert refusal.value.message_dict["url"] == ["The host crm.partner.invalid could not be found."]
