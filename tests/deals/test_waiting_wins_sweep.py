"""A win confirmed while finance is saving its exchange rate sees no rate
(not committed yet), and the save did not see the win: neither converts it.
The nightly sweep (Celery beat) converts it on the worker, once."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from deals.models import DealEvent, DealEventKind, DealRegistration, DealStatus
from deals.services import deal_update_stage, deals_convert_waiting_wins
from deals.tasks import convert_waiting_wins
from programs.models import ExchangeRate
from programs.services.exchange import exchange_rate_record
from tests.deals.test_rate_converts_waiting_wins import ladder
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.deals import RoutingRuleFactory, confirmed_outcome, register_deal


def confirm_in_another_connection(deal_pk):
    try:
        confirmed_outcome(DealRegistration.objects.get(pk=deal_pk))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_win_confirmed_during_the_rate_save_is_converted_by_the_nightly_sweep(
    celery_worker, wait_for, django_capture_on_commit_callbacks
):
    registered, _gold = ladder()
    RoutingRuleFactory()
    seller = PartnerUserFactory(organization=OrganizationFactory(name="Northwind", tier=registered), roles=["owner"])
    closed_on = timezone.localdate() - datetime.timedelta(days=5)
    deal = register_deal(seller.membership.organization, seller, currency="EUR", domain="northwind-eu.io")
    deal_update_stage(deal=deal, actor=seller, stage="won", final_amount=Decimal("30000.00"), closed_on=closed_on)

    with django_capture_on_commit_callbacks(execute=True) as queued, transaction.atomic():
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR",
                target_currency="USD",
                rate=Decimal("1.10"),
                valid_from=closed_on - datetime.timedelta(days=30),
            ),
            user=UserFactory(username="finance-farid"),
        )
        # Channel ops confirm the win meanwhile: the rate is not committed, so it waits.
        confirming = threading.Thread(target=confirm_in_another_connection, args=(deal.pk,))
        confirming.start()
        confirming.join()

    assert "deals.tasks.convert_wins_for_rate" not in [c.func.__self__.name for c in queued]
    deal.refresh_from_db()
    assert (deal.status, deal.program_amount) == (DealStatus.WON, None), "the race left the win waiting"
    assert "nightly check" in DealEvent.objects.get(deal=deal, kind=DealEventKind.OUTCOME_CONFIRMED).note

    convert_waiting_wins.delay()  # what beat runs every night

    converted = wait_for(
        lambda: DealEvent.objects.filter(deal=deal, kind=DealEventKind.CONVERTED).first(),
        timeout=60,
        message=f"the sweep to convert the waiting win (log:\n{celery_worker.log()})",
    )
    deal.refresh_from_db()
    assert (deal.program_amount, deal.program_currency, deal.exchange_rate) == (
        Decimal("33000.00"),
        "USD",
        Decimal("1.10"),
    )
    assert converted.actor is None
    assert converted.note == "Converted by the nightly check of wins waiting for an exchange rate."
    # Run again: nothing is waiting any more, nothing is recorded twice.
    assert deals_convert_waiting_wins() == 0
    assert DealEvent.objects.filter(deal=deal, kind=DealEventKind.CONVERTED).count() == 1


def test_beat_runs_the_sweep_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["deals-convert-waiting-wins"]
    assert entry["task"] == convert_waiting_wins.name
    assert entry["schedule"].hour == {1} and entry["schedule"].minute == {50}
