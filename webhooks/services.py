"""Publishing events to webhooks and sending them, once.

Deliveries are rows written in the publisher's transaction and sent by a
Celery task after commit. A delivery is sent at most once per attempt and
never again once delivered, whatever the broker does:

- an attempt first *claims* the row under a row lock (``claimed_until``),
  sends with the lock released, then records the answer under the lock: a
  duplicate task (Redis redelivers unacknowledged tasks after its
  visibility timeout) finds the row claimed, delivered, or not yet due, and
  exits;
- retries back off exponentially and the whole chain ends before the
  broker's visibility timeout (:func:`retry_budget_seconds`, checked at
  start-up by ``webhooks.checks``), so a retry waiting in a worker is never
  handed to a second worker;
- a delivery whose task was never queued (the broker was down when the
  change committed) or was lost is queued again by the sweeper
  (:func:`deliveries_requeue_stalled`, run by beat), as the search outbox is
  drained by its periodic run;
- receivers get the delivery id in ``X-PRM-Delivery`` to drop the rare
  duplicate a crash between sending and recording can cause.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import selectors, tasks, transport
from .models import DeliveryAttempt, DeliveryStatus, WebhookDelivery, WebhookSettings

SIGNATURE_HEADER = "X-PRM-Signature"
DELIVERY_HEADER = "X-PRM-Delivery"
#: a retry task may fire this early (timer granularity) and still count as due
EARLY_TOLERANCE = timedelta(seconds=2)
#: pending this long past due with no attempt in progress: the task is gone
STALLED_AFTER = timedelta(minutes=2)


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (the timestamp
    lets receivers refuse replays)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@transaction.atomic
def event_publish(*, event_type: str, organization_id: int, data: dict, event=None) -> list[WebhookDelivery]:
    """Tell the organization's active endpoints and the vendor's about an event.

    ``event`` is the audit event reported (a ``StatusEvent``: its id and time
    go in the body, and the delivery names it); ``data`` is the rest of the
    body, e.g. ``{"deal": {...}}``. One delivery per endpoint, sent after
    commit; if queueing fails (the broker is down), the committed change
    stands and the sweeper sends the delivery later."""
    occurred_at = event.at if event is not None else timezone.now()
    payload = {
        "event": event_type,
        "event_id": event.pk if event is not None else None,
        "occurred_at": occurred_at.isoformat(),
        **data,
    }
    source = {"source_type": event._meta.label_lower, "source_id": event.pk} if event is not None else {}
    deliveries = [
        WebhookDelivery.objects.create(
            organization_id=organization_id, endpoint=endpoint, event_type=event_type, payload=payload, **source
        )
        for endpoint in selectors.endpoints_subscribed(organization_id=organization_id)
    ]
    for delivery in deliveries:
        # A broker outage holds the task for beat (portal.celery.PortalTask);
        # run eagerly, the task records a failed attempt instead of raising.
        tasks.deliver_webhook.delay_on_commit(delivery.pk)
    return deliveries


# Retries and the broker's visibility timeout ---------------------------------


def retry_delay_seconds(attempts: int) -> int:
    """Seconds to wait after failed attempt number ``attempts``: base, 2×base, 4×base…"""
    return settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1)


def retry_budget_seconds() -> int:
    """The longest a delivery's chain of tasks can last: every back-off plus
    every attempt at the task time limit. It must stay below the broker's
    visibility timeout, after which Redis would hand a retry still waiting
    for its countdown to a second worker."""
    attempts = settings.WEBHOOK_MAX_ATTEMPTS
    backoff = sum(retry_delay_seconds(number) for number in range(1, attempts))
    return backoff + attempts * settings.CELERY_TASK_TIME_LIMIT


def broker_visibility_timeout() -> int:
    """Redis's default (one hour) unless the broker transport options say otherwise."""
    return int(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}).get("visibility_timeout", 3600))


def _claim_seconds() -> int:
    """How long an attempt may hold a delivery: the task's hard time limit."""
    return settings.CELERY_TASK_TIME_LIMIT


# Sending ---------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptResult:
    delivery: WebhookDelivery | None
    #: False when this call left the delivery alone (sent, failed, claimed or not due)
    attempted: bool


def _delivery_claim(delivery_id: int) -> WebhookDelivery | None:
    """The delivery, claimed for one attempt, if it is pending, due and not
    being attempted elsewhere; None otherwise."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id)
            .first()
        )
        now = timezone.now()
        if (
            delivery is None
            or delivery.status != DeliveryStatus.PENDING
            or (delivery.claimed_until is not None and delivery.claimed_until > now)
            or delivery.next_attempt_at > now + EARLY_TOLERANCE
        ):
            return None
        if not delivery.endpoint.is_active:
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, "The endpoint was deactivated."
            delivery.save(update_fields=["status", "last_error"])
            return None
        delivery.attempts += 1
        delivery.claimed_until = now + timedelta(seconds=_claim_seconds())
        delivery.save(update_fields=["attempts", "claimed_until"])
        return delivery


def _attempt_record(delivery: WebhookDelivery, answer: transport.Answer, started_at) -> WebhookDelivery:
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        now = timezone.now()
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            started_at=started_at,
            duration_ms=answer.duration_ms,
            address=answer.address,
            status_code=answer.status_code,
            error=answer.error,
            succeeded=answer.succeeded,
        )
        delivery.last_status_code, delivery.last_error = answer.status_code, answer.error
        delivery.claimed_until = None
        if answer.succeeded:
            delivery.status, delivery.delivered_at = DeliveryStatus.DELIVERED, now
        elif answer.refused or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + timedelta(seconds=retry_delay_seconds(delivery.attempts))
        delivery.save()
        return delivery


def delivery_attempt(*, delivery_id: int) -> AttemptResult:
    """Make one attempt at a delivery, if it is due and nobody else is
    making one; record it. The caller schedules the next attempt while the
    delivery stays pending."""
    delivery = _delivery_claim(delivery_id)
    if delivery is None:
        return AttemptResult(WebhookDelivery.objects.filter(pk=delivery_id).first(), attempted=False)
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "partner-portal-webhooks/1",
        "X-PRM-Event": delivery.event_type,
        DELIVERY_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: webhook_signature(secret=delivery.endpoint.secret, timestamp=int(time.time()), body=body),
    }
    started_at = timezone.now()
    answer = transport.post(
        delivery.endpoint.url, body=body, headers=headers, allowed_hosts=WebhookSettings.load().allowed_host_keys()
    )
    return AttemptResult(_attempt_record(delivery, answer, started_at), attempted=True)


def deliveries_requeue_stalled(*, batch_size: int = 500) -> int:
    """Queue again the pending deliveries long past due with no attempt in
    progress: their task never reached the broker (it was down when the
    change committed) or was lost. Their due time moves to now, so the next
    sweep leaves them to the task queued here."""
    now = timezone.now()
    with transaction.atomic():
        stalled = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - STALLED_AFTER)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:batch_size]
        )
        WebhookDelivery.objects.filter(pk__in=stalled).update(next_attempt_at=now)
        for delivery_id in stalled:
            tasks.deliver_webhook.delay_on_commit(delivery_id)
    return len(stalled)
