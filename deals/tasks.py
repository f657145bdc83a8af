from celery import shared_task

from . import services
from .models import DealEvent


@shared_task(ignore_result=True, acks_late=True)
def expire_deal_protections():
    """Nightly: expire lapsed protections, then send the due expiry reminders."""
    services.deals_expire_lapsed()
    services.deals_send_expiry_reminders()


@shared_task(ignore_result=True, acks_late=True)
def notify_partner_of_deal_event(event_id: int):
    event = DealEvent.objects.select_related("deal__submitted_by", "deal__organization").filter(pk=event_id).first()
    if event is not None:
        services.deal_notify_partner(event=event)
