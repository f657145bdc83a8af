"""An ended period whose converted won revenue stayed below the first rebate
step has no rebate line, so no line records the rate it used: a rate change
that lifts it to a step is still found (its won deals in that currency closed
on days the changed rate governs) and writes the rebate; a change dropping it
back below the step reverses that line."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from incentives.models import LedgerLine, LineKind
from incentives.services.accruals import RateChange, rebates_compute, rebates_without_line_for_rates
from programs.models import ExchangeRate
from programs.services.exchange import exchange_rate_record
from tests.factories import OrganizationFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal
from tests.incentives.test_rate_change_resettles_rebates import accruals_computed, run_queued

D = datetime.date
MARCH_END = D(2026, 3, 31)
EDIT_URL = "wagtailsnippets_programs_exchangerate:edit"


def q1_below_the_first_step():
    """Q1: 200,000 USD on 10 February and 40,000 EUR on 12 March, EUR → USD
    1.08 from 1 March: 243,200 USD, under the 250,000 first step of a USD
    rebate (2 % from 250,000, 3 % from 500,000)."""
    rate = ExchangeRate.objects.create(
        source_currency="EUR", target_currency="USD", rate=Decimal("1.08"), valid_from=D(2026, 3, 1)
    )
    partner = OrganizationFactory(name="Northwind Resellers", tier=TierFactory(name="Gold"))
    rebate = incentive_program(
        "rebate",
        name="Volume rebate",
        currency="USD",
        rebate_period="quarterly",
        steps=[("250000", "2"), ("500000", "3")],
    )
    won_deal(partner, amount="200000.00", closed_on=D(2026, 2, 10))
    won_deal(partner, amount="40000.00", closed_on=D(2026, 3, 12), currency="EUR")
    return partner, rebate, rate


def rebate_lines(rebate, partner):
    return [
        (line.kind, line.earned_on, line.base_amount, line.amount)
        for line in LedgerLine.objects.filter(program=rebate, organization=partner).order_by("pk")
    ]


# 200,000 + 40,000 EUR × 1.30 = 252,000 USD: the 2 % step, 5,040.00.
LIFTED = (LineKind.REBATE, MARCH_END, Decimal("252000.00"), Decimal("5040.00"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rate_edit_that_lifts_an_ended_period_to_a_step_writes_its_rebate_and_one_dropping_it_reverses_it(
    client, celery_worker, wait_for
):
    wait_for(celery_worker.idle, timeout=120, message="tasks of earlier tests to finish")
    computed_before = accruals_computed(celery_worker)
    partner, rebate, rate = q1_below_the_first_step()
    # The confirmations' computations found Q1 below the step at 1.08 and wrote no rebate:
    # the rebate can only come from the rate change.
    wait_for(
        lambda: accruals_computed(celery_worker) >= computed_before + 2,
        timeout=30,
        message="the worker to compute both confirmed wins",
    )
    assert rebate_lines(rebate, partner) == []
    farid = UserFactory(username="finance-farid", groups=["Finance"])
    client.force_login(farid)
    fields = {"source_currency": "EUR", "target_currency": "USD", "valid_from": "2026-03-01"}

    response = client.post(reverse(EDIT_URL, args=[rate.pk]), {**fields, "rate": "1.30"})

    assert response.status_code == 302
    wait_for(
        lambda: rebate_lines(rebate, partner) == [LIFTED],
        timeout=30,
        message="the worker to write Q1's rebate at 1.30",
    )
    line = LedgerLine.objects.get(program=rebate)
    assert (line.rate, line.conversions[0]["rate"], line.conversions[0]["converted"]) == (
        Decimal("2"),
        "1.3",
        "52000.00",
    )
    assert line.created_by == farid
    assert line.note.startswith(
        "Exchange rate EUR→USD 1.08 from 2026-03-01 changed to EUR→USD 1.3 from 2026-03-01 by finance-farid ("
    )

    # Back to 1.08: 243,200 USD is below the step again, the line is reversed.
    response = client.post(reverse(EDIT_URL, args=[rate.pk]), {**fields, "rate": "1.08"})

    assert response.status_code == 302
    wait_for(
        lambda: (
            rebate_lines(rebate, partner)
            == [LIFTED, (LineKind.REVERSAL, MARCH_END, Decimal("-252000.00"), Decimal("-5040.00"))]
        ),
        timeout=30,
        message="the worker to reverse Q1's rebate after the rate went back to 1.08",
    )
    assert LedgerLine.objects.filter(program=rebate).latest("pk").created_by == farid


@pytest.fixture
def below_step(db):
    partner, rebate, rate = q1_below_the_first_step()
    rebates_compute(period_end=MARCH_END)
    assert rebate_lines(rebate, partner) == []
    return partner, rebate, rate


def test_a_new_rate_on_the_close_date_lifting_the_period_writes_the_rebate_once(
    below_step, django_capture_on_commit_callbacks
):
    partner, rebate, _rate = below_step
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR", target_currency="USD", rate=Decimal("1.30"), valid_from=D(2026, 3, 12)
            )
        )
    assert "incentives.tasks.resettle_rebates_for_rate_change" in [c.func.__self__.name for c in queued]
    run_queued(queued)
    run_queued(queued)  # a retried task writes nothing twice
    assert rebate_lines(rebate, partner) == [LIFTED]


@pytest.mark.parametrize(
    ("valid_from", "value"),
    [(D(2026, 3, 13), "1.30"), (D(2026, 2, 1), "1.30"), (D(2026, 1, 1), "1.30")],
    ids=["in-force-only-after-the-close-date", "superseded-before-the-close-date", "other-period-only"],
)
def test_a_rate_governing_none_of_the_periods_wins_looks_at_no_period(
    below_step, django_capture_on_commit_callbacks, valid_from, value
):
    partner, rebate, _rate = below_step
    if valid_from == D(2026, 1, 1):
        # A rate whose days are all before 1 February, where the partner won nothing in EUR.
        ExchangeRate.objects.create(
            source_currency="EUR", target_currency="USD", rate=Decimal("1.1"), valid_from=D(2026, 2, 1)
        )
    with django_capture_on_commit_callbacks() as queued:
        new_rate = exchange_rate_record(
            rate=ExchangeRate(source_currency="EUR", target_currency="USD", rate=Decimal(value), valid_from=valid_from)
        )
    assert rebates_without_line_for_rates(change=RateChange.of(rate=new_rate)) == []
    run_queued(queued)  # the worker's look at the periods finds none to settle
    assert rebate_lines(rebate, partner) == []


def test_the_same_value_saved_again_looks_at_no_period(below_step, django_capture_on_commit_callbacks):
    partner, rebate, rate = below_step
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(rate=rate, user=UserFactory())
    assert queued == []
