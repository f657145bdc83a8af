import datetime

from celery import shared_task
from django.contrib.auth import get_user_model

from programs.formats import decimal_text
from programs.services.exchange import program_currency

from . import services
from .models import DealEvent
from .selectors import wins_converted_with_outdated_rate, wins_waiting_for_rate


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


@shared_task(ignore_result=True, acks_late=True)
def convert_waiting_wins():
    """Nightly: convert the confirmed wins still waiting for a rate that exists now."""
    services.deals_convert_waiting_wins()


@shared_task(ignore_result=True, acks_late=True)
def reconvert_wins_for_rate_change(pairs: list, user_id=None, change_text=""):
    """``pairs``: [source, target, first close date] of each currency pair a rate change touched."""
    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    services.deals_reconvert_for_rate_change(
        pairs={(source, target): datetime.date.fromisoformat(since) for source, target, since in pairs},
        actor=actor,
        change_text=change_text,
    )


def _rate_text(rate) -> str:
    return f"{rate.source_currency}→{rate.target_currency} {decimal_text(rate.rate)} from {rate.valid_from}"


def _change_text(*, rate, previous, deleted: bool) -> str:
    if deleted:
        return f"{_rate_text(rate)} deleted"
    if previous is None:
        return f"{_rate_text(rate)} entered"
    return f"{_rate_text(previous)} changed to {_rate_text(rate)}"


def request_wins_conversion(*, rate, previous=None, user=None, deleted=False) -> None:
    """Programs calls this (through ``programs.services.exchange``) when
    finance saves or deletes an exchange rate, so that a confirmed win's
    program-currency amount always uses the rate in force on its close date:
    the wins waiting for a saved rate are converted, and the wins converted
    with a rate this change replaced (edited, superseded, deleted) are
    converted again, on the worker once the change is committed (nothing is
    queued when no win is concerned)."""
    user_id = user.pk if user is not None and user.pk else None
    target = program_currency()
    if not deleted:
        waiting = wins_waiting_for_rate(
            source_currency=rate.source_currency,
            target_currency=rate.target_currency,
            valid_from=rate.valid_from,
            program_currency=target,
        )
        if waiting.exists():
            convert_wins_for_rate.delay_on_commit(
                rate.source_currency, rate.target_currency, rate.valid_from.isoformat(), user_id, _rate_text(rate)
            )
    pairs = {} if deleted else {(rate.source_currency, rate.target_currency): rate.valid_from}
    if previous is not None:
        pair = (previous.source_currency, previous.target_currency)
        pairs[pair] = min(previous.valid_from, pairs.get(pair, previous.valid_from))
    if wins_converted_with_outdated_rate(pairs=pairs, program_currency=target).exists():
        reconvert_wins_for_rate_change.delay_on_commit(
            [[source, pair_target, since.isoformat()] for (source, pair_target), since in sorted(pairs.items())],
            user_id,
            _change_text(rate=rate, previous=previous, deleted=deleted),
        )
