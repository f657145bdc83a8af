"""A confirmed win converted to the program currency keeps the rate in force
on its close date: when finance edits that rate, enters one that supersedes
it, or deletes it, the win is converted again on the worker (a "converted"
event naming who changed the rate, with the amounts before and after) and
the tier is re-evaluated as a confirmation does."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import DealEvent, DealEventKind
from deals.tasks import reconvert_wins_for_rate_change
from programs.models import ExchangeRate, TierChange
from programs.services.exchange import exchange_rate_record
from tests.deals.test_rate_converts_waiting_wins import ladder, tier_evaluations_done, won
from tests.factories import OrganizationFactory, PartnerUserFactory, UserFactory

EDIT_URL = "wagtailsnippets_programs_exchangerate:edit"


def today():
    return timezone.localdate()


def conversions(deal):
    return list(
        DealEvent.objects.filter(deal=deal, kind=DealEventKind.CONVERTED)
        .order_by("pk")
        .values_list("before__program_amount", "after__program_amount")
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rate_edited_in_the_admin_converts_the_win_again_and_moves_the_tier(client, celery_worker, wait_for):
    registered, gold = ladder()
    closed_on = today() - datetime.timedelta(days=10)
    rate = ExchangeRate.objects.create(
        source_currency="EUR", target_currency="USD", rate=Decimal("1.00"), valid_from=closed_on
    )
    seller = PartnerUserFactory(organization=OrganizationFactory(name="Northwind", tier=registered), roles=["owner"])
    organization = seller.membership.organization
    evaluations_before = tier_evaluations_done(celery_worker)
    won(seller, amount="17000.00", currency="USD", closed_on=today())
    euro_win = won(seller, amount="30000.00", currency="EUR", closed_on=closed_on)
    # Converted at confirmation: 30,000.00 USD; 17,000 + 30,000 = 47,000 stays under Gold's 50,000.
    assert (euro_win.program_amount, euro_win.exchange_rate) == (Decimal("30000.00"), Decimal("1"))
    wait_for(
        lambda: tier_evaluations_done(celery_worker) >= evaluations_before + 2,
        timeout=30,
        message="the worker to evaluate the tier after both confirmations",
    )
    assert not TierChange.objects.filter(organization=organization).exists()
    finance = UserFactory(username="finance-farid", groups=["Finance"])
    client.force_login(finance)
    changed_at = timezone.now()

    response = client.post(
        reverse(EDIT_URL, args=[rate.pk]),
        {"source_currency": "EUR", "target_currency": "USD", "rate": "1.10", "valid_from": closed_on.isoformat()},
    )

    assert response.status_code == 302
    event = wait_for(
        lambda: DealEvent.objects.filter(deal=euro_win, kind=DealEventKind.CONVERTED).first(),
        timeout=30,
        message="the worker to convert the EUR win again at 1.10",
    )
    euro_win.refresh_from_db()
    # 30,000 EUR × 1.10 = 33,000.00 USD, with the new rate recorded.
    assert (euro_win.program_amount, euro_win.exchange_rate, euro_win.exchange_rate_date) == (
        Decimal("33000.00"),
        Decimal("1.1"),
        closed_on,
    )
    assert (event.actor, event.at >= changed_at) == (finance, True)
    assert (event.before["program_amount"], event.after["program_amount"]) == ("30000.00", "33000.00")
    assert (Decimal(event.before["exchange_rate"]), Decimal(event.after["exchange_rate"])) == (1, Decimal("1.1"))
    assert event.note == (
        f"Converted again after the exchange rate change: EUR→USD 1 from {closed_on.isoformat()} "
        f"changed to EUR→USD 1.1 from {closed_on.isoformat()}."
    )
    # 17,000 + 33,000 = 50,000 USD: Gold.
    change = wait_for(
        lambda: TierChange.objects.filter(organization=organization, to_tier=gold).first(),
        timeout=30,
        message="the worker to re-evaluate the tier with the win converted again",
    )
    assert (change.from_tier, change.reason) == (registered, "Deal converted again after an exchange rate change")
    assert change.metrics["won_revenue"] == "50000.00"


@pytest.fixture
def converted_win(db):
    closed_on = today() - datetime.timedelta(days=10)
    rate = ExchangeRate.objects.create(
        source_currency="EUR",
        target_currency="USD",
        rate=Decimal("1.00"),
        valid_from=closed_on - datetime.timedelta(days=5),
    )
    seller = PartnerUserFactory(organization=OrganizationFactory(name="Northwind"), roles=["owner"])
    return won(seller, amount="30000.00", currency="EUR", closed_on=closed_on), rate


def test_a_newer_rate_in_force_on_the_close_date_converts_the_win_again_once(
    converted_win, django_capture_on_commit_callbacks
):
    win, _rate = converted_win
    finance = UserFactory(username="finance-farid")
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR", target_currency="USD", rate=Decimal("1.2"), valid_from=win.closed_on
            ),
            user=finance,
        )
    [task] = queued
    assert task.func.__self__.name == "deals.tasks.reconvert_wins_for_rate_change"
    reconvert_wins_for_rate_change(*task.args)  # what the queued task runs
    reconvert_wins_for_rate_change(*task.args)  # a retried task

    win.refresh_from_db()
    assert (win.program_amount, win.exchange_rate_date) == (Decimal("36000.00"), win.closed_on)
    assert conversions(win) == [("30000.00", "36000.00")]
    assert DealEvent.objects.get(deal=win, kind=DealEventKind.CONVERTED).actor == finance


@pytest.mark.parametrize(
    ("source", "target", "days_after_the_close", "value"),
    [
        ("GBP", "USD", -30, "1.2"),
        ("EUR", "CAD", -30, "1.2"),
        ("EUR", "USD", 1, "1.2"),
        ("EUR", "USD", -30, "1.2"),
    ],
    ids=["other-currency", "not-the-program-currency", "in-force-only-after-the-close-date", "superseded-before"],
)
def test_a_rate_no_converted_win_used_queues_nothing(
    converted_win, django_capture_on_commit_callbacks, source, target, days_after_the_close, value
):
    win, _rate = converted_win
    valid_from = win.closed_on + datetime.timedelta(days=days_after_the_close)
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency=source, target_currency=target, rate=Decimal(value), valid_from=valid_from
            )
        )
    assert queued == []
    win.refresh_from_db()
    assert win.program_amount == Decimal("30000.00")


def test_the_same_rate_saved_again_queues_nothing(converted_win, django_capture_on_commit_callbacks):
    _win, rate = converted_win
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(rate=rate, user=UserFactory())
    assert queued == []
