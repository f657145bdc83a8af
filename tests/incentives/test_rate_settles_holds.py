"""A rebate waiting for an exchange rate is settled as soon as finance saves
the rate, not at the next daily run: checked the way finance reads it (the
rebate line and its conversion, the waiting list in the admin)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from incentives.models import AccrualHold, LedgerLine, LineKind
from incentives.services.accruals import rebates_compute
from incentives.tasks import retry_accrual_holds_for_rate
from programs.models import ExchangeRate
from programs.services.exchange import exchange_rate_record
from tests.factories import OrganizationFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal
from tests.incentives.test_rate_change_resettles_rebates import run_queued

D = datetime.date
MARCH_END = D(2026, 3, 31)
HOLDS_LIST = "wagtailsnippets_incentives_accrualhold:list"


def finance_user():
    user = UserFactory(username="finance-farid")
    user.groups.add(Group.objects.get(name="Finance"))
    return user


def q1_with_a_euro_win():
    """200,000 USD and 50,000 EUR won in Q1 under a USD rebate of 2 % from
    250,000: the rebate needs the EUR rate of 12 March."""
    partner = OrganizationFactory(name="Northwind Resellers", tier=TierFactory(name="Gold"))
    rebate = incentive_program(
        "rebate", name="Volume rebate", currency="USD", rebate_period="quarterly", steps=[("250000", "2")]
    )
    won_deal(partner, amount="200000.00", closed_on=D(2026, 2, 10))
    euro_deal = won_deal(partner, amount="50000.00", closed_on=D(2026, 3, 12), currency="EUR")
    return partner, rebate, euro_deal


def waiting(rebate):
    return AccrualHold.objects.filter(program=rebate, resolved_at__isnull=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rate_saved_in_the_admin_settles_the_waiting_rebate_within_seconds(client, celery_worker, wait_for):
    partner, rebate, euro_deal = q1_with_a_euro_win()
    # The late confirmations settle the ended quarter on the worker: it waits for the rate.
    hold = wait_for(lambda: waiting(rebate).first(), timeout=30, message="the rebate to wait for the EUR rate")
    assert (hold.deal_id, hold.source_currency, hold.target_currency) == (euro_deal.pk, "EUR", "USD")
    assert not LedgerLine.objects.filter(program=rebate).exists()
    client.force_login(finance_user())
    assert "no exchange rate from EUR to USD" in client.get(reverse(HOLDS_LIST)).content.decode()

    response = client.post(
        reverse("wagtailsnippets_programs_exchangerate:add"),
        {"source_currency": "EUR", "target_currency": "USD", "rate": "1.08", "valid_from": "2026-03-01"},
        follow=True,
    )

    assert response.status_code == 200
    assert ExchangeRate.objects.filter(source_currency="EUR", rate=Decimal("1.08")).exists()
    line = wait_for(
        lambda: LedgerLine.objects.filter(program=rebate, organization=partner, kind=LineKind.REBATE).first(),
        timeout=30,
        message="the worker to write the rebate the new rate settles",
    )
    # 200,000 USD + 50,000 EUR × 1.08 = 254,000 USD: 2 % is 5,080.00.
    assert (line.earned_on, line.base_amount, line.rate, line.amount, line.currency) == (
        MARCH_END,
        Decimal("254000.00"),
        Decimal("2"),
        Decimal("5080.00"),
        "USD",
    )
    assert line.conversions[0]["rate"] == "1.08" and line.conversions[0]["rate_valid_from"] == "2026-03-01"
    hold.refresh_from_db()
    assert hold.resolved_at is not None
    listing = client.get(reverse(HOLDS_LIST)).content.decode()
    assert "no exchange rate from EUR to USD" not in listing
    assert partner.name not in listing


@pytest.fixture
def held(db):
    partner, rebate, euro_deal = q1_with_a_euro_win()
    rebates_compute(period_end=MARCH_END)
    assert waiting(rebate).count() == 1
    return partner, rebate


@pytest.mark.parametrize(
    ("source", "target", "valid_from"),
    [("EUR", "USD", D(2026, 3, 13)), ("GBP", "USD", D(2026, 1, 1)), ("EUR", "CAD", D(2026, 1, 1))],
    ids=["too-late-for-the-close-date", "other-currency", "other-target"],
)
def test_a_rate_that_settles_nothing_queues_nothing(
    held, django_capture_on_commit_callbacks, source, target, valid_from
):
    _, rebate = held
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency=source, target_currency=target, rate=Decimal("1.1"), valid_from=valid_from
            )
        )
    # The save only asks whether a rebate counts in that currency; the worker's look settles nothing.
    assert {callback.func.__self__.name for callback in queued} <= {"incentives.tasks.resettle_rebates_for_rate_change"}
    run_queued(queued)
    assert waiting(rebate).count() == 1


def test_the_rate_the_rebate_needs_queues_its_retry_once_committed(held, django_capture_on_commit_callbacks):
    partner, rebate = held
    with django_capture_on_commit_callbacks() as queued:
        rate = exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR", target_currency="USD", rate=Decimal("1.10"), valid_from=D(2026, 3, 12)
            )
        )
    # The rebate's retry, and the EUR win's conversion to the program currency (deals listens too).
    assert sorted(callback.func.__self__.name for callback in queued) == [
        "deals.tasks.convert_wins_for_rate",
        "incentives.tasks.resettle_rebates_for_rate_change",
        "incentives.tasks.retry_accrual_holds_for_rate",
    ]
    assert (rate.source_currency, rate.target_currency) == ("EUR", "USD")

    retry_accrual_holds_for_rate("EUR", "USD", "2026-03-12")  # what the queued task runs

    assert [(line.kind, line.amount) for line in LedgerLine.objects.filter(program=rebate, organization=partner)] == [
        (LineKind.REBATE, Decimal("5100.00"))
    ]
    assert not waiting(rebate).exists()
    # Run again (a retried task): nothing more is written.
    retry_accrual_holds_for_rate("EUR", "USD", "2026-03-12")
    assert LedgerLine.objects.filter(program=rebate).count() == 1


def test_a_bad_rate_is_refused_with_a_message_and_nothing_is_stored(held):
    _, rebate = held
    with pytest.raises(ValidationError) as refused:
        exchange_rate_record(
            rate=ExchangeRate(source_currency="EUR", target_currency="EUR", rate=Decimal("1"), valid_from=D(2026, 3, 1))
        )
    assert "Choose two different currencies." in refused.value.messages
    assert not ExchangeRate.objects.exists()
    assert waiting(rebate).count() == 1
