"""What MDF requests and claims tell webhooks: the body of each status
change, published through ``webhooks.services.event_publish``."""

from programs.formats import amount_text
from webhooks.services import event_publish

from .models import MdfEvent


def event_data(event: MdfEvent) -> dict:
    request = event.request
    data = {
        "request": {
            "id": request.pk,
            "organization": request.organization_id,
            "title": request.title,
            "status": request.status,
            "from_status": event.from_status if not event.claim_id else "",
            "requested_amount": amount_text(request.requested_amount, request.currency),
            "approved_amount": amount_text(request.committed_amount, request.currency),
            "currency": request.currency,
            "reason": event.partner_note,
        },
    }
    if event.claim_id:
        claim = event.claim
        data["claim"] = {
            "id": claim.pk,
            "status": claim.status,
            "claimed_amount": amount_text(claim.claimed_amount, request.currency),
            "approved_amount": amount_text(claim.approved_amount, request.currency),
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
