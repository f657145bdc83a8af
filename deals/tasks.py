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


@shared_task(ignore_result=True, acks_late=True)
def reassign_lead(lead_id: int):
    """Offer a just-declined lead to the next organization."""
    from .models import Lead
    from .services.leads import lead_reassign

    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is not None:
        lead_reassign(lead=lead)


@shared_task(ignore_result=True, acks_late=True)
def reassign_due_leads():
    """Periodic: move lapsed and declined leads on to the next organization."""
    from .services.leads import leads_reassign_due

    leads_reassign_due()


@shared_task(ignore_result=True, acks_late=True)
def notify_partner_of_lead_offer(lead_id: int, organization_id: int):
    from programs.models import PartnerOrganization

    from .models import Lead
    from .services.leads import lead_notify_offer

    lead = Lead.objects.filter(pk=lead_id).first()
    organization = PartnerOrganization.objects.filter(pk=organization_id).first()
    if lead is not None and organization is not None:
        lead_notify_offer(lead=lead, organization=organization)
