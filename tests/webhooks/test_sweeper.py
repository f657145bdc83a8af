"""Deliveries whose task never reached the broker (it was down when the
change committed, so the queueing after commit failed and was swallowed)
stay pending; beat's sweeper queues them again, as the search outbox's
periodic drain picks up what its first drain missed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from portal.celery import app
from tests.factories import OrganizationFactory
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import STALLED_AFTER, deliveries_requeue_stalled
from webhooks.tasks import requeue_stalled_deliveries


def _left_pending(endpoint, *, due_ago: timedelta, **fields) -> WebhookDelivery:
    """A delivery as event_publish writes it, whose task was never queued."""
    return WebhookDelivery.objects.create(
        organization=endpoint.organization,
        endpoint=endpoint,
        event_type="deal.approved",
        payload={"event": "deal.approved"},
        next_attempt_at=timezone.now() - due_ago,
        **fields,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_beat_sends_a_delivery_whose_task_was_lost_with_the_broker(
    celery_worker, make_receiver, allow_loopback, wait_for
):
    receiver = make_receiver(answers=(204,))
    endpoint = WebhookEndpoint.objects.create(organization=OrganizationFactory(), url=f"{receiver.url}/crm")
    stranded = _left_pending(endpoint, due_ago=STALLED_AFTER + timedelta(minutes=1))

    requeue_stalled_deliveries.delay()  # what beat runs every minute

    wait_for(
        lambda: WebhookDelivery.objects.get(pk=stranded.pk).status == DeliveryStatus.DELIVERED,
        timeout=30,
        message="the swept delivery to be sent",
    )
    assert [r["headers"]["x-prm-delivery"] for r in receiver.requests] == [str(stranded.pk)]


@pytest.mark.django_db
def test_the_sweeper_leaves_deliveries_that_are_on_their_way(django_capture_on_commit_callbacks):
    endpoint = WebhookEndpoint.objects.create(organization=OrganizationFactory(), url="https://crm.example/hook")
    long_overdue = timedelta(minutes=10)
    stranded = _left_pending(endpoint, due_ago=long_overdue)
    _left_pending(endpoint, due_ago=timedelta(seconds=5))  # just queued: its task is coming
    _left_pending(endpoint, due_ago=long_overdue, claimed_until=timezone.now() + timedelta(minutes=1))  # being sent
    _left_pending(endpoint, due_ago=long_overdue, status=DeliveryStatus.DELIVERED)
    _left_pending(endpoint, due_ago=long_overdue, status=DeliveryStatus.FAILED)

    with django_capture_on_commit_callbacks() as queued:
        assert deliveries_requeue_stalled() == 1

    assert len(queued) == 1
    stranded.refresh_from_db()
    assert timezone.now() - stranded.next_attempt_at < timedelta(minutes=1)  # not swept again at once
    with django_capture_on_commit_callbacks():
        assert deliveries_requeue_stalled() == 0


def test_beat_runs_the_sweeper_every_minute(settings):
    [entry] = [
        entry for entry in settings.CELERY_BEAT_SCHEDULE.values() if entry["task"] == requeue_stalled_deliveries.name
    ]
    assert entry["schedule"] == 60.0
    assert requeue_stalled_deliveries.name in app.tasks
