"""What deal registrations and leads tell webhooks: the body of each event,
published through ``webhooks.services.event_publish`` (signed, retried and
recorded there)."""

from programs.formats import amount_text
from webhooks.models import WebhookDelivery
from webhooks.services import event_publish

from .models import DealEvent, LeadEvent, LeadEventKind


def deal_event_data(event: DealEvent) -> dict:
    deal = event.deal
    return {
        "deal": {
            "id": deal.pk,
            "organization": deal.organization_id,
            "company_name": deal.company_name,
            "status": deal.status,
            "stage": deal.stage,
            "from_status": event.from_status,
            "reason": event.partner_note,
            "protected_until": deal.protected_until.isoformat() if deal.protected_until else None,
            "estimated_value": amount_text(deal.estimated_value, deal.currency),
            "currency": deal.currency,
        },
    }


def deal_event_publish(*, event: DealEvent) -> list[WebhookDelivery]:
    """Submissions and status changes (edits that keep the status stay internal)."""
    if event.from_status == event.to_status and event.kind != "submitted":
        return []
    return event_publish(
        event_type=f"deal.{event.kind}",
        organization_id=event.deal.organization_id,
        data=deal_event_data(event),
        event=event,
    )


#: Lead events sent to webhooks (creation and unassignment stay internal).
LEAD_WEBHOOK_KINDS = (
    LeadEventKind.OFFERED,
    LeadEventKind.ACCEPTED,
    LeadEventKind.DECLINED,
    LeadEventKind.LAPSED,
    LeadEventKind.CONVERTED,
)


def lead_event_data(event: LeadEvent) -> dict:
    lead = event.lead
    return {
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


def lead_event_publish(*, event: LeadEvent) -> list[WebhookDelivery]:
    """A lead event, for the organization it concerns."""
    if event.kind not in LEAD_WEBHOOK_KINDS or not event.organization_id:
        return []
    return event_publish(
        event_type=f"lead.{event.kind}", organization_id=event.organization_id, data=lead_event_data(event), event=event
    )
