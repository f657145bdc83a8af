import datetime

from celery import shared_task
from django.contrib.auth import get_user_model

from programs.services.exchange import program_currency

from . import services
from .models import DealEvent
from .selectors import wins_waiting_for_rate


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


@shared_task(ignore_result=True, acks_late=True)
def convert_wins_for_rate(source_currency: str, target_currency: str, valid_from: str, user_id=None, rate_text=""):
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    services.deals_convert_for_rate(
        source_currency=source_currency,
        target_currency=target_currency,
        valid_from=datetime.date.fromisoformat(valid_from),
        actor=actor,
        rate_text=rate_text,
    )


def request_wins_conversion(*, rate, previous=None, user=None) -> None:
    """Programs calls this (through ``programs.services.exchange``) when
    finance saves an exchange rate: the confirmed wins waiting for it get
    their program-currency amount on the worker once the rate is committed
    (nothing is queued when none waits for it)."""
    waiting = wins_waiting_for_rate(
        source_currency=rate.source_currency,
        target_currency=rate.target_currency,
        valid_from=rate.valid_from,
        program_currency=program_currency(),
    )
    if waiting.exists():
        convert_wins_for_rate.delay_on_commit(
            rate.source_currency,
            rate.target_currency,
            rate.valid_from.isoformat(),
            user.pk if user is not None and user.pk else None,
            f"{rate.source_currency}→{rate.target_currency} {rate.rate.normalize():f} from {rate.valid_from}",
        )
