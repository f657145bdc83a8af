"""Outbound webhooks: signed POSTs of the portal's events to the partner's
(and the vendor's) endpoints, sent by the real Celery worker, retried on
failure, every attempt recorded, and never sent twice."""

import hashlib
import hmac
import json
import socket
import threading

import pytest
from django.db import connection
from django.utils import timezone

from deals.models import DealStatus
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.deals import RoutingRuleFactory, register_deal
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import delivery_attempt, event_publish, webhook_signature
from webhooks.tasks import deliver_webhook


def verified(request, secret) -> dict:
    """The payload, after checking the signature as a receiver would."""
    timestamp, signature = (part.split("=", 1)[1] for part in request["headers"]["x-prm-signature"].split(","))
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected), "bad signature"
    return json.loads(request["body"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_status_changes_reach_the_partners_endpoint_signed_and_retried(
    celery_worker, receiver, allow_loopback, wait_for
):
    organization = OrganizationFactory()
    user = PartnerUserFactory(organization=organization, roles=["sales"])
    endpoint = WebhookEndpoint.objects.create(organization=organization, url=f"{receiver.url}/crm")
    other_partner = WebhookEndpoint.objects.create(organization=OrganizationFactory(), url=f"{receiver.url}/other")
    RoutingRuleFactory()  # approved without a human

    deal = register_deal(organization, user)

    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    wait_for(
        lambda: list(deliveries.all().values_list("status", flat=True)) == [DeliveryStatus.DELIVERED] * 2,
        timeout=60,
        message="both deliveries to succeed",
    )
    assert sorted(d.attempts for d in deliveries.all()) == [1, 2]  # the first answer was a 500
    retried = next(d for d in deliveries.all() if d.attempts == 2)
    log = [(a.number, a.status_code, a.error, a.succeeded, a.address) for a in retried.attempt_log.all()]
    assert log == [(1, 500, "HTTP 500", False, "127.0.0.1"), (2, 204, "", True, "127.0.0.1")]
    events = sorted({verified(r, endpoint.secret)["event"] for r in receiver.requests})
    assert events == ["deal.approved", "deal.submitted"]
    approved = next(verified(r, endpoint.secret) for r in receiver.requests if b"deal.approved" in r["body"])
    assert approved["deal"]["id"] == deal.pk and approved["deal"]["status"] == DealStatus.APPROVED
    assert {r["path"] for r in receiver.requests} == {"/crm"}
    assert {r["headers"]["x-prm-delivery"] for r in receiver.requests} == {str(d.pk) for d in deliveries.all()}
    assert not WebhookDelivery.objects.filter(endpoint=other_partner).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_redelivered_task_does_not_send_a_delivery_twice(celery_worker, make_receiver, allow_loopback, wait_for):
    """Redis hands an unacknowledged task to a worker again; the delivery
    row, marked delivered, makes the duplicate exit without sending."""
    receiver = make_receiver(answers=(204,))
    organization = OrganizationFactory()
    WebhookEndpoint.objects.create(organization=organization, url=f"{receiver.url}/crm")
    [first] = event_publish(event_type="test.first", organization_id=organization.pk, data={})
    wait_for(
        lambda: WebhookDelivery.objects.get(pk=first.pk).status == DeliveryStatus.DELIVERED,
        timeout=30,
        message="the first delivery",
    )

    deliver_webhook.delay(first.pk)  # the duplicate
    # The worker takes tasks in order: once this one is delivered, the duplicate has run.
    [second] = event_publish(event_type="test.second", organization_id=organization.pk, data={})
    wait_for(
        lambda: WebhookDelivery.objects.get(pk=second.pk).status == DeliveryStatus.DELIVERED,
        timeout=30,
        message="the delivery queued after the duplicate",
    )

    sent = [r["headers"]["x-prm-delivery"] for r in receiver.requests]
    assert sent == [str(first.pk), str(second.pk)]
    assert WebhookDelivery.objects.get(pk=first.pk).attempt_log.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_attempt_in_progress_keeps_a_second_task_out(make_receiver, allow_loopback):
    receiver = make_receiver(answers=(204,), hold=True)
    organization = OrganizationFactory()
    endpoint = WebhookEndpoint.objects.create(organization=organization, url=f"{receiver.url}/crm")
    # A row as event_publish writes it, without queueing a task (a worker may be running).
    delivery = WebhookDelivery.objects.create(
        organization=organization, endpoint=endpoint, event_type="test.held", payload={"event": "test.held"}
    )
    outcomes = {}

    def first_task():
        try:
            outcomes["first"] = delivery_attempt(delivery_id=delivery.pk)
        finally:
            connection.close()

    sending = threading.Thread(target=first_task)
    sending.start()
    assert receiver.arrived.wait(timeout=30), "the first attempt never reached the receiver"

    second = delivery_attempt(delivery_id=delivery.pk)
    receiver.release()
    sending.join(timeout=30)

    assert not second.attempted
    assert outcomes["first"].attempted and outcomes["first"].delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1
    assert delivery_attempt(delivery_id=delivery.pk).attempted is False  # delivered: never again


@pytest.mark.django_db
def test_a_vendor_endpoint_receives_every_partners_events(django_capture_on_commit_callbacks):
    vendor = WebhookEndpoint.objects.create(url="https://crm.vendor.example/hooks")

    register_deal(OrganizationFactory())
    register_deal(OrganizationFactory(), domain="other.example")

    assert WebhookDelivery.objects.filter(endpoint=vendor).values("organization").distinct().count() == 2


@pytest.mark.django_db
def test_an_unreachable_endpoint_is_marked_failed_after_the_last_attempt(settings, allow_loopback):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_RETRY_BASE_SECONDS = 60
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    organization = OrganizationFactory()
    WebhookEndpoint.objects.create(organization=organization, url=f"http://127.0.0.1:{closed_port}/hook")
    register_deal(organization)
    delivery = WebhookDelivery.objects.filter(organization=organization).first()

    first = delivery_attempt(delivery_id=delivery.pk).delivery
    too_early = delivery_attempt(delivery_id=delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    second = delivery_attempt(delivery_id=delivery.pk).delivery

    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    assert not too_early.attempted  # its back-off had not passed
    assert (second.status, second.attempts) == (DeliveryStatus.FAILED, 2)
    assert "refused" in second.last_error.lower()
    assert [a.number for a in second.attempt_log.all()] == [1, 2]


def test_the_signature_covers_the_timestamp_and_body():
    signature = webhook_signature(secret="s3cret", timestamp=1700000000, body=b'{"a":1}')

    expected = hmac.new(b"s3cret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert signature == f"t=1700000000,v1={expected}"
    assert webhook_signature(secret="s3cret", timestamp=1700000001, body=b'{"a":1}') != signature
