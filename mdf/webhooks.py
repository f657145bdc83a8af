"""Webhook events for MDF request and claim status changes, sent through the
deals app's signed, retried deliveries (the same endpoints and headers)."""

from decimal import Decimal

from deals.webhooks import webhook_payload_enqueue

from .models import MdfEvent


def _money(amount) -> str | None:
    return None if amount is None else str(Decimal(amount).quantize(Decimal("0.01")))


def event_payload(event: MdfEvent) -> dict:
    request = event.request
    payload = {
        "event": f"mdf.{'claim' if event.claim_id else 'request'}.{event.kind}",
        "event_id": event.pk,
        "occurred_at": event.at.isoformat(),
        "request": {
            "id": request.pk,
            "organization": request.organization_id,
            "title": request.title,
            "status": request.status,
            "from_status": event.from_status if not event.claim_id else "",
            "requested_amount": _money(request.requested_amount),
            "approved_amount": _money(request.committed_amount),
            "currency": request.currency,
            "reason": event.partner_note,
        },
    }
    if event.claim_id:
        claim = event.claim
        payload["claim"] = {
            "id": claim.pk,
            "status": claim.status,
            "claimed_amount": _money(claim.claimed_amount),
            "approved_amount": _money(claim.approved_amount),
            "payment_reference": claim.payment_reference,
        }
    return payload


def mdf_webhooks_enqueue(*, event: MdfEvent) -> None:
    """Status changes only (routing, reminders and lead imports stay internal)."""
    if event.from_status == event.to_status:
        return
    webhook_payload_enqueue(organization_id=event.organization_id, payload=event_payload(event))
