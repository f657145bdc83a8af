"""What support cases tell webhooks: a case opened and every change of its
status (replies, notes and assignments stay internal), published through
``webhooks.services.event_publish``."""

from webhooks.models import WebhookDelivery
from webhooks.services import event_publish

from .models import CaseEvent, CaseEventKind


def case_event_data(event: CaseEvent) -> dict:
    case = event.case
    return {
        "case": {
            "id": case.pk,
            "organization": case.organization_id,
            "subject": case.subject,
            "category": case.category.code,
            "priority": case.priority,
            "status": case.status,
            "from_status": event.from_status,
            "deal": case.deal_id,
        },
    }


def case_event_publish(*, event: CaseEvent) -> list[WebhookDelivery]:
    if event.kind != CaseEventKind.OPENED and event.from_status == event.to_status:
        return []
    return event_publish(
        event_type=f"case.{event.kind}",
        organization_id=event.case.organization_id,
        data=case_event_data(event),
        event=event,
    )
