"""What MDF requests and claims tell webhooks: the body of each status
change, published through ``webhooks.services.event_publish``."""

from decimal import Decimal

from webhooks.services import event_publish

from .models import MdfEvent


def _money(amount) -> str | None:
    return None if amount is None else str(Decimal(amount).quantize(Decimal("0.01")))


def event_data(event: MdfEvent) -> dict:
    request = event.request
    data = {
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
        data["claim"] = {
            "id": claim.pk,
            "status": claim.status,
            "claimed_amount": _money(claim.claimed_amount),
            "approved_amount": _money(claim.approved_amount),
            "payment_reference": claim.payment_reference,
        }
    return data


def mdf_event_publish(*, event: MdfEvent) -> None:
    """Status changes only (routing, reminders and lead imports stay internal)."""
    if event.from_status == event.to_status:
        return
    event_publish(
        event_type=f"mdf.{'claim' if event.claim_id else 'request'}.{event.kind}",
        organization_id=event.organization_id,
        data=event_data(event),
        event=event,
    )
