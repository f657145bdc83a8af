"""Outbound webhooks: signed POSTs of status changes to the partner's (and the
vendor's) endpoints, sent by the real Celery worker and retried on failure."""

import hashlib
import hmac
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from deals.models import DealStatus, DeliveryStatus, WebhookDelivery, WebhookEndpoint
from deals.webhooks import webhook_deliver, webhook_signature
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal


class Receiver:
    """A real HTTP endpoint on loopback that fails its first request."""

    def __init__(self):
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(
                    {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                self.send_response(500 if len(receiver.requests) == 1 else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.close()


def verified(request, secret) -> dict:
    """The payload, after checking the signature as a receiver would."""
    timestamp, signature = (part.split("=", 1)[1] for part in request["headers"]["x-prm-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected), "bad signature"
    return json.loads(request["body"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_status_changes_reach_the_partners_endpoint_signed_and_retried(celery_worker, receiver, wait_for):
    organization = OrganizationFactory()
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    endpoint = WebhookEndpoint.objects.create(organization=organization, url=f"{receiver.url}/crm")
    other_partner = WebhookEndpoint.objects.create(organization=OrganizationFactory(), url=f"{receiver.url}/other")
    RoutingRuleFactory()  # approved without a human

    deal = register_deal(organization, user)

    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    wait_for(
        lambda: list(deliveries.all().values_list("status", flat=True)) == [DeliveryStatus.DELIVERED] * 2,
        timeout=30,
        message="both deliveries to succeed",
    )
    assert sorted(d.attempts for d in deliveries.all()) == [1, 2]  # the first answer was a 500
    events = sorted({verified(r, endpoint.secret)["event"] for r in receiver.requests})
    assert events == ["deal.approved", "deal.submitted"]
    approved = next(verified(r, endpoint.secret) for r in receiver.requests if b"deal.approved" in r["body"])
    assert approved["deal"]["id"] == deal.pk and approved["deal"]["status"] == DealStatus.APPROVED
    assert {r["path"] for r in receiver.requests} == {"/crm"}
    assert not WebhookDelivery.objects.filter(endpoint=other_partner).exists()


@pytest.mark.django_db
def test_a_vendor_endpoint_receives_every_partners_events(django_capture_on_commit_callbacks):
    vendor = WebhookEndpoint.objects.create(url="https://crm.vendor.example/hooks")

    register_deal(OrganizationFactory())
    register_deal(OrganizationFactory(), domain="other.example")

    assert WebhookDelivery.objects.filter(endpoint=vendor).values("organization").distinct().count() == 2


@pytest.mark.django_db
def test_an_unreachable_endpoint_is_marked_failed_after_the_last_attempt(settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    organization = OrganizationFactory()
    WebhookEndpoint.objects.create(organization=organization, url=f"http://127.0.0.1:{closed_port}/hook")
    register_deal(organization)
    delivery = WebhookDelivery.objects.filter(organization=organization).first()

    first = webhook_deliver(delivery_id=delivery.pk)
    second = webhook_deliver(delivery_id=delivery.pk)

    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    assert (second.status, second.attempts) == (DeliveryStatus.FAILED, 2)
    assert "refused" in second.last_error.lower()


def test_the_signature_covers_the_timestamp_and_body():
    signature = webhook_signature(secret="s3cret", timestamp=1700000000, body=b'{"a":1}')

    expected = hmac.new(b"s3cret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert signature == f"t=1700000000,v1={expected}"
    assert webhook_signature(secret="s3cret", timestamp=1700000001, body=b'{"a":1}') != signature
