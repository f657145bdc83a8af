"""Corrections that move a deal between rebate periods, and rebates over
deals in several currencies, checked the way finance reads them: the ledger
lines, who wrote them and why, and the statements they land on."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db.models import Sum
from django.urls import reverse

from deals.models import DealEventKind, DealStatus
from deals.services import deal_correct_outcome
from incentives.models import AccrualHold, LedgerLine, LineKind, StatementStatus
from incentives.services.accruals import deal_accruals_compute, rebates_compute
from incentives.services.statements import statement_approve, statement_totals, statements_generate
from incentives.tasks import close_incentive_periods
from programs.formats import money
from programs.models import ExchangeRate
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH_END = D(2026, 3, 31)
APRIL_END = D(2026, 4, 30)


@pytest.fixture
def gold():
    return TierFactory(name="Gold")


@pytest.fixture
def partner(gold):
    return OrganizationFactory(name="Northwind Resellers", tier=gold)


@pytest.fixture
def channel_ops():
    user = UserFactory(username="ops-anna", first_name="Anna", last_name="Ops")
    user.groups.add(Group.objects.get(name="Channel ops"))
    return user


@pytest.fixture
def finance():
    user = UserFactory(username="finance-farid")
    user.groups.add(Group.objects.get(name="Finance"))
    return user


def won(partner, amount, closed_on, currency="USD"):
    """A win confirmed (and accrued) on the day it closed, inside its period."""
    with time_machine.travel(datetime.datetime.combine(closed_on, datetime.time(12), tzinfo=datetime.UTC)):
        deal = won_deal(partner, amount=amount, closed_on=closed_on, currency=currency)
        deal_accruals_compute(deal_id=deal.pk)
    return deal


def correct(deal, actor, reason, **changes):
    """A correction by channel ops, then the accrual computation its event queues."""
    deal_correct_outcome(deal=deal, actor=actor, reason=reason, **changes)
    event = deal.events.filter(kind=DealEventKind.EDITED).latest("pk")
    written = deal_accruals_compute(deal_id=deal.pk, event_id=event.pk)
    return event, written


def rebate_lines(program, partner):
    return [
        (line.kind, line.earned_on, line.amount)
        for line in LedgerLine.objects.filter(program=program, organization=partner).order_by("pk")
    ]


@pytest.fixture
def march_issued(partner, gold, finance):
    """Q1 settled and March's statement approved: a 5 % commission and a
    quarterly rebate (2 % from 250,000, 3 % from 500,000), both paid monthly."""
    commission = incentive_program(name="Commission", tier_rates={gold: "5"})
    rebate = incentive_program(
        "rebate", name="Volume rebate", rebate_period="quarterly", steps=[("250000", "2"), ("500000", "3")]
    )
    february = won(partner, "420000.00", D(2026, 2, 10))
    late_march = won(partner, "100000.00", D(2026, 3, 30))
    rebates_compute(period_end=MARCH_END)
    [march] = statements_generate(period_end=MARCH_END)
    statement_approve(statement=march, actor=finance)
    return {"commission": commission, "rebate": rebate, "february": february, "late_march": late_march, "march": march}


def test_march_statement_before_any_correction(march_issued, partner):
    march = march_issued["march"]
    # 420,000 + 100,000 = 520,000 in Q1: the 3 % step on the whole volume.
    assert rebate_lines(march_issued["rebate"], partner) == [(LineKind.REBATE, MARCH_END, Decimal("15600.00"))]
    assert statement_totals(statement=march)[0].amount == Decimal("21000.00") + Decimal("5000.00") + Decimal("15600.00")


def test_a_close_date_moved_into_the_next_quarter_recomputes_the_old_quarters_rebate(
    march_issued, partner, channel_ops
):
    rebate, commission, march = march_issued["rebate"], march_issued["commission"], march_issued["march"]
    issued_lines = sorted(march.lines.values_list("pk", "amount"))
    issued_totals = statement_totals(statement=march)

    event, written = correct(
        march_issued["late_march"], channel_ops, "Customer signed on 2 April", closed_on=D(2026, 4, 2)
    )

    # Q1 now holds 420,000 only: the 3 % rebate is reversed and the 2 % one written, never edited.
    assert rebate_lines(rebate, partner) == [
        (LineKind.REBATE, MARCH_END, Decimal("15600.00")),
        (LineKind.REVERSAL, MARCH_END, Decimal("-15600.00")),
        (LineKind.REBATE, MARCH_END, Decimal("8400.00")),
    ]
    new_rebate = LedgerLine.objects.get(program=rebate, amount=Decimal("8400.00"))
    assert (new_rebate.base_amount, new_rebate.rate) == (Decimal("420000.00"), Decimal("2"))
    # The deal's commission moves to its new close date.
    assert [
        (line.kind, line.earned_on, line.amount)
        for line in LedgerLine.objects.filter(deal=march_issued["late_march"], program=commission).order_by("pk")
    ] == [
        (LineKind.ACCRUAL, D(2026, 3, 30), Decimal("5000.00")),
        (LineKind.REVERSAL, D(2026, 3, 30), Decimal("-5000.00")),
        (LineKind.ACCRUAL, D(2026, 4, 2), Decimal("5000.00")),
    ]
    # Every line the correction wrote names it: who, when, why.
    assert len(written) == 4
    for line in written:
        assert line.created_by == channel_ops
        assert line.deal_event == event
        assert "Customer signed on 2 April" in line.note and f"event {event.pk}" in line.note
    assert event.before["closed_on"] == "2026-03-30" and event.after["closed_on"] == "2026-04-02"

    # The approved March statement is untouched; the adjustment is on April's.
    march.refresh_from_db()
    assert march.status == StatementStatus.APPROVED
    assert sorted(march.lines.values_list("pk", "amount")) == issued_lines
    assert statement_totals(statement=march) == issued_totals
    [april] = statements_generate(period_end=APRIL_END)
    assert sorted(april.lines.values_list("kind", "amount")) == [
        (LineKind.ACCRUAL, Decimal("5000.00")),
        (LineKind.REBATE, Decimal("8400.00")),
        (LineKind.REVERSAL, Decimal("-15600.00")),
        (LineKind.REVERSAL, Decimal("-5000.00")),
    ]
    assert [(total.currency, total.amount) for total in statement_totals(statement=april)] == [
        ("USD", Decimal("-7200.00"))
    ]

    # Recomputing again (the worker retrying) writes nothing.
    assert deal_accruals_compute(deal_id=march_issued["late_march"].pk, event_id=event.pk) == []


def test_the_partner_reads_the_correction_on_the_next_statement(client, march_issued, partner, channel_ops):
    correct(march_issued["late_march"], channel_ops, "Customer signed on 2 April", closed_on=D(2026, 4, 2))
    [april] = statements_generate(period_end=APRIL_END)
    client.force_login(PartnerUserFactory(organization=partner, roles=["finance"]))

    page = client.get(reverse("incentives:statement_detail", args=[april.pk])).content.decode()
    company = march_issued["late_march"].company_name
    assert page.count(f"after the correction of {company}") == 4
    assert money(Decimal("-7200.00"), "USD") in page

    march_page = client.get(reverse("incentives:statement_detail", args=[march_issued["march"].pk])).content.decode()
    assert "after the correction" not in march_page
    assert "$41,600.00" in march_page


@pytest.mark.parametrize(
    ("changes", "q1_rebate_after"),
    [
        ({"status": DealStatus.LOST}, Decimal("8400.00")),  # 420,000 left: 2 %
        ({"final_amount": Decimal("60000.00")}, Decimal("9600.00")),  # 480,000: 2 %
        ({"final_amount": Decimal("90000.00")}, Decimal("15300.00")),  # 510,000: still 3 %
    ],
    ids=["lost", "amount-below-the-step", "amount-same-step"],
)
def test_a_deal_lost_or_reduced_after_the_quarter_resettles_its_rebate(
    march_issued, partner, channel_ops, changes, q1_rebate_after
):
    correct(march_issued["late_march"], channel_ops, "Books say otherwise", **changes)

    lines = rebate_lines(march_issued["rebate"], partner)
    assert lines[-2:] == [
        (LineKind.REVERSAL, MARCH_END, Decimal("-15600.00")),
        (LineKind.REBATE, MARCH_END, q1_rebate_after),
    ]
    net = LedgerLine.objects.filter(program=march_issued["rebate"], organization=partner).aggregate(net=Sum("amount"))
    assert net["net"] == q1_rebate_after


def test_a_deal_moved_back_into_an_ended_quarter_lifts_it_to_a_step(partner, channel_ops):
    rebate = incentive_program("rebate", rebate_period="quarterly", steps=[("250000", "2")])
    won(partner, "200000.00", D(2026, 3, 5))
    rebates_compute(period_end=MARCH_END)
    assert rebate_lines(rebate, partner) == []  # below the step
    april = won(partner, "100000.00", D(2026, 4, 3))

    correct(april, channel_ops, "Signed on 31 March after all", closed_on=D(2026, 3, 31))

    assert rebate_lines(rebate, partner) == [(LineKind.REBATE, MARCH_END, Decimal("6000.00"))]


def test_a_win_confirmed_after_its_quarter_closed_counts_for_that_quarter(partner):
    rebate = incentive_program("rebate", rebate_period="quarterly", steps=[("250000", "2")])
    won(partner, "200000.00", D(2026, 3, 5))
    rebates_compute(period_end=MARCH_END)

    late = won_deal(partner, amount="60000.00", closed_on=D(2026, 3, 28))  # confirmed after the quarter
    deal_accruals_compute(deal_id=late.pk)

    assert rebate_lines(rebate, partner) == [(LineKind.REBATE, MARCH_END, Decimal("5200.00"))]


@pytest.fixture
def usd_rebate():
    return incentive_program(
        "rebate", name="Volume rebate", currency="USD", rebate_period="quarterly", steps=[("250000", "2")]
    )


def rate(source, value, valid_from, target="USD"):
    return ExchangeRate.objects.create(
        source_currency=source, target_currency=target, rate=Decimal(value), valid_from=valid_from
    )


def test_wins_in_other_currencies_count_at_the_rate_of_their_close_date(client, partner, usd_rebate):
    rate("EUR", "1.05", D(2026, 1, 1))
    rate("EUR", "1.10", D(2026, 3, 1))  # the rate in force on 12 March
    rate("EUR", "1.20", D(2026, 4, 1))  # later: not used
    won(partner, "200000.00", D(2026, 2, 10))
    euro_deal = won(partner, "50000.00", D(2026, 3, 12), currency="EUR")

    rebates_compute(period_end=MARCH_END)

    line = LedgerLine.objects.get(program=usd_rebate, organization=partner)
    # 200,000 USD + 50,000 EUR × 1.10 = 255,000 USD: the 2 % step.
    assert (line.base_amount, line.rate, line.amount, line.currency) == (
        Decimal("255000.00"),
        Decimal("2"),
        Decimal("5100.00"),
        "USD",
    )
    assert line.conversions == [
        {
            "deal": euro_deal.pk,
            "amount": "50000.00",
            "currency": "EUR",
            "closed_on": "2026-03-12",
            "rate": "1.1",
            "rate_valid_from": "2026-03-01",
            "converted": "55000.00",
        }
    ]

    [statement] = statements_generate(period_end=MARCH_END)
    client.force_login(PartnerUserFactory(organization=partner, roles=["finance"]))
    page = client.get(reverse("incentives:statement_detail", args=[statement.pk])).content.decode()
    assert "€50,000.00 won on 03/12/2026 counted as $55,000.00 (rate 1.1, in force from 03/01/2026)" in page
    csv_text = client.get(reverse("incentives:statement_csv", args=[statement.pk])).content.decode("utf-8-sig")
    assert "counted as $55,000.00 (rate 1.1" in csv_text


def test_without_a_rate_the_rebate_waits_with_a_reason_finance_can_read(admin_client, partner, usd_rebate):
    won(partner, "200000.00", D(2026, 2, 10))
    euro_deal = won(partner, "50000.00", D(2026, 3, 12), currency="EUR")
    rate("EUR", "1.10", D(2026, 3, 15))  # too late for 12 March

    rebates_compute(period_end=MARCH_END)

    assert not LedgerLine.objects.filter(program=usd_rebate).exists()  # neither 0 nor USD-only
    hold = AccrualHold.objects.get(program=usd_rebate, organization=partner, resolved_at__isnull=True)
    assert (hold.deal, hold.source_currency, hold.target_currency, hold.rate_needed_on) == (
        euro_deal,
        "EUR",
        "USD",
        D(2026, 3, 12),
    )
    assert "no exchange rate from EUR to USD is in force on 2026-03-12" in hold.reason
    listing = admin_client.get(reverse("wagtailsnippets_incentives_accrualhold:list")).content.decode()
    assert "no exchange rate from EUR to USD is in force on 2026-03-12" in listing
    assert partner.name in listing

    # Finance adds the rate; the daily run computes the rebate and resolves the wait.
    rate("EUR", "1.08", D(2026, 3, 1))
    close_incentive_periods(period_end="2026-04-01")

    line = LedgerLine.objects.get(program=usd_rebate, organization=partner)
    assert (line.base_amount, line.amount) == (Decimal("254000.00"), Decimal("5080.00"))
    assert line.conversions[0]["rate"] == "1.08"
    hold.refresh_from_db()
    assert hold.resolved_at is not None


def test_live_attainment_converts_and_says_what_waits_for_a_rate(client, partner):
    today = datetime.date.today()
    incentive_program(
        "rebate", name="Volume rebate", currency="USD", rebate_period="quarterly", steps=[("250000", "2")]
    )
    rate("EUR", "1.10", D(2026, 1, 1))
    won(partner, "1000.00", today, currency="EUR")
    won(partner, "1000.00", today, currency="GBP")  # no GBP rate
    client.force_login(PartnerUserFactory(organization=partner, roles=["owner"]))

    page = client.get(reverse("incentives:programs")).content.decode()

    assert "$1,100.00" in page
    assert "1 won deal in another currency will count once finance enters the exchange rate" in page
