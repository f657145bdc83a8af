"""Outbound webhooks on deal registration and lead status changes, signed with HMAC.

A delivery row is written in the same transaction as the status change and
sent by a Celery task after commit; failures are retried with exponential
back-off and every attempt's outcome stays on the row.
"""

import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import DealEvent, DeliveryStatus, LeadEvent, LeadEventKind, WebhookDelivery, WebhookEndpoint

SIGNATURE_HEADER = "X-PRM-Signature"
TIMEOUT_SECONDS = 10


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` (the timestamp
    lets receivers refuse replays)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_payload(event: DealEvent) -> dict:
    deal = event.deal
    return {
        "event": f"deal.{event.kind}",
        "event_id": event.pk,
        "occurred_at": event.at.isoformat(),
        "deal": {
            "id": deal.pk,
            "organization": deal.organization_id,
            "company_name": deal.company_name,
            "status": deal.status,
            "stage": deal.stage,
            "from_status": event.from_status,
            "reason": event.partner_note,
            "protected_until": deal.protected_until.isoformat() if deal.protected_until else None,
            "estimated_value": str(deal.estimated_value),
            "currency": deal.currency,
        },
    }


def webhook_deliveries_enqueue(*, event: DealEvent) -> list[WebhookDelivery]:
    """Queue the event for the deal's organization's endpoints and the vendor's."""
    if event.from_status == event.to_status and event.kind != "submitted":
        return []
    return _deliveries_enqueue(organization_id=event.deal.organization_id, payload=event_payload(event), event=event)


def webhook_payload_enqueue(*, organization_id: int, payload: dict) -> list[WebhookDelivery]:
    """Queue a payload another app reports (MDF request and claim changes,
    incentive statements approved or paid) for the organization's endpoints and
    the vendor's, signed and retried like deal events."""
    return _deliveries_enqueue(organization_id=organization_id, payload=payload)


def _deliveries_enqueue(*, organization_id: int, payload: dict, **event) -> list[WebhookDelivery]:
    """One delivery per active endpoint of the organization and of the vendor,
    sent after commit; ``event`` links the deal or lead event it reports."""
    from .tasks import deliver_webhook

    endpoints = WebhookEndpoint.objects.filter(
        Q(organization_id=organization_id) | Q(organization__isnull=True), is_active=True
    )
    deliveries = [
        WebhookDelivery.objects.create(
            organization_id=organization_id, endpoint=endpoint, event_type=payload["event"], payload=payload, **event
        )
        for endpoint in endpoints
    ]
    for delivery in deliveries:
        # Robust: whatever happens to the delivery (the broker is down, or the
        # task runs eagerly in the request and the endpoint fails), the
        # committed change stands and the request answers normally.
        transaction.on_commit(lambda pk=delivery.pk: deliver_webhook.delay(pk), robust=True)
    return deliveries


#: Lead events sent to webhooks (creation and unassignment stay internal).
LEAD_WEBHOOK_KINDS = (
    LeadEventKind.OFFERED,
    LeadEventKind.ACCEPTED,
    LeadEventKind.DECLINED,
    LeadEventKind.LAPSED,
    LeadEventKind.CONVERTED,
)


def lead_event_payload(event: LeadEvent) -> dict:
    lead = event.lead
    return {
        "event": f"lead.{event.kind}",
        "event_id": event.pk,
        "occurred_at": event.at.isoformat(),
        "lead": {
            "id": lead.pk,
            "organization": event.organization_id,
            "company_name": lead.company_name,
            "country": lead.country,
            "status": lead.status,
            "from_status": event.from_status,
            "respond_by": lead.respond_by.isoformat() if lead.respond_by else None,
            "campaign": lead.campaign.code if lead.campaign_id else None,
        },
    }


def webhook_lead_deliveries_enqueue(*, event: LeadEvent) -> list[WebhookDelivery]:
    """Queue a lead event for the organization it concerns and the vendor's endpoints."""
    if event.kind not in LEAD_WEBHOOK_KINDS or not event.organization_id:
        return []
    return _deliveries_enqueue(
        organization_id=event.organization_id, payload=lead_event_payload(event), lead_event=event
    )


def webhook_deliver(*, delivery_id: int) -> WebhookDelivery:
    """One attempt; the caller retries while the status stays pending."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    # The endpoint URL is validated to http(s) on the model.
    request = urllib.request.Request(  # noqa: S310
        delivery.endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "partner-portal-webhooks/1",
            "X-PRM-Event": delivery.event_type,
            "X-PRM-Delivery": str(delivery.pk),
            SIGNATURE_HEADER: webhook_signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
        },
    )
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - http(s) URLField
            delivery.last_status_code = response.status
            delivery.last_error = ""
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
    except urllib.error.HTTPError as error:
        delivery.last_status_code, delivery.last_error = error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as error:
        delivery.last_status_code, delivery.last_error = None, str(getattr(error, "reason", error))[:500]
    if delivery.status == DeliveryStatus.PENDING and delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.FAILED
    delivery.save()
    return delivery


def retry_delay_seconds(attempts: int) -> int:
    return min(settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1), 3600)
