"""Thin, idempotent tasks: load, then call a service."""

from celery import shared_task

from .models import MdfEvent
from .services import notifications, period, requests
from .services.attribution import attribution_rebuild


@shared_task(ignore_result=True, acks_late=True)
def notify_partner_of_mdf_event(event_id: int):
    event = (
        MdfEvent.objects.select_related("request__submitted_by", "request__organization").filter(pk=event_id).first()
    )
    if event is not None:
        notifications.mdf_notify_partner(event=event)


@shared_task(ignore_result=True, acks_late=True)
def escalate_overdue_mdf_reviews():
    """Hourly: review steps waiting beyond their SLA go to the escalation group."""
    requests.requests_escalate_overdue()


@shared_task(ignore_result=True, acks_late=True)
def expire_ended_mdf_allocations():
    """Nightly: period close expires unused funds as ledger lines."""
    period.allocations_expire_ended()


@shared_task(ignore_result=True, acks_late=True)
def send_mdf_reminders():
    """Nightly: claim deadlines within a week, allocations about to expire (each once)."""
    for request in period.claim_reminders_due().select_related("submitted_by", "organization"):
        if period.request_record_claim_reminder(request=request):
            notifications.request_send_claim_reminder(request=request)
    for allocation in period.expiry_reminders_due():
        if period.allocation_mark_reminded(allocation=allocation):
            notifications.allocation_send_expiry_reminder(allocation=allocation)


@shared_task(ignore_result=True, acks_late=True)
def rebuild_mdf_attribution():
    """Nightly: every activity's attributed registrations again from the
    registrations, the safety net for changes made without saving a
    registration or a link (SQL, bulk loads)."""
    attribution_rebuild()
