"""An exchange rate finance changes after a rebate was computed with it: the
rebate of that ended period is settled again on the worker by reversal and
new line (never an edit), on the next statement, saying why; checked the way
finance and the partner read it (ledger lines, statements, the API)."""

import datetime
from dataclasses import asdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from incentives.models import LedgerLine, LineKind, StatementStatus
from incentives.services.accruals import RateChange, rebates_compute
from incentives.services.statements import statement_approve, statement_totals, statements_generate
from incentives.tasks import resettle_rebates_for_rate_change
from programs.models import ExchangeRate
from programs.services.exchange import exchange_rate_record
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal

D = datetime.date
MARCH_END = D(2026, 3, 31)
APRIL_END = D(2026, 4, 30)
EDIT_URL = "wagtailsnippets_programs_exchangerate:edit"


def q1_with_a_euro_win():
    """Q1: 200,000 USD won on 10 February and 250,000 EUR on 12 March, with
    EUR → USD at 1.08 from 1 March, under a USD rebate of 2 % from 250,000
    and 3 % from 500,000 (paid monthly)."""
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
    euro_deal = won_deal(partner, amount="250000.00", closed_on=D(2026, 3, 12), currency="EUR")
    return partner, rebate, rate, euro_deal


def rebate_lines(rebate, partner):
    return [
        (line.kind, line.earned_on, line.base_amount, line.amount)
        for line in LedgerLine.objects.filter(program=rebate, organization=partner).order_by("pk")
    ]


def accruals_computed(worker) -> int:
    """Deal accrual computations the worker finished so far (its log is the session's)."""
    return sum(
        "incentives.tasks.compute_deal_accruals[" in line and " succeeded in " in line
        for line in worker.log_path.read_text(errors="replace").splitlines()
    )


# 200,000 + 250,000 EUR × 1.08 = 470,000 USD: 2 % is 9,400.00.
FIRST_REBATE = (LineKind.REBATE, MARCH_END, Decimal("470000.00"), Decimal("9400.00"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rate_edited_in_the_admin_settles_the_rebate_again_on_the_next_statement(client, celery_worker, wait_for):
    wait_for(celery_worker.idle, timeout=120, message="tasks of earlier tests to finish")
    computed_before = accruals_computed(celery_worker)
    partner, rebate, rate, euro_deal = q1_with_a_euro_win()
    # The late confirmations settle the ended quarter on the worker (both
    # computed: one still running after the edit would settle it again itself).
    wait_for(
        lambda: accruals_computed(celery_worker) >= computed_before + 2,
        timeout=30,
        message="the worker to compute both confirmed wins",
    )
    assert rebate_lines(rebate, partner) == [FIRST_REBATE]
    farid = UserFactory(username="finance-farid", groups=["Finance"])
    [march] = statements_generate(period_end=MARCH_END)
    statement_approve(statement=march, actor=farid)
    issued = sorted(march.lines.values_list("pk", "amount"))
    client.force_login(farid)

    response = client.post(
        reverse(EDIT_URL, args=[rate.pk]),
        {"source_currency": "EUR", "target_currency": "USD", "rate": "1.20", "valid_from": "2026-03-01"},
        follow=True,
    )

    assert response.status_code == 200
    rate.refresh_from_db()
    assert rate.rate == Decimal("1.20")
    new_rebate = wait_for(
        lambda: (
            LedgerLine.objects.filter(program=rebate, kind=LineKind.REBATE, reverses__isnull=True)
            .exclude(amount=Decimal("9400.00"))
            .first()
        ),
        timeout=30,
        message="the worker to settle Q1's rebate again at 1.20",
    )
    # 200,000 + 250,000 EUR × 1.20 = 500,000 USD: the 3 % step, 15,000.00; the 2 % line is reversed.
    assert rebate_lines(rebate, partner) == [
        FIRST_REBATE,
        (LineKind.REVERSAL, MARCH_END, Decimal("-470000.00"), Decimal("-9400.00")),
        (LineKind.REBATE, MARCH_END, Decimal("500000.00"), Decimal("15000.00")),
    ]
    assert (new_rebate.rate, new_rebate.conversions[0]["rate"], new_rebate.conversions[0]["converted"]) == (
        Decimal("3"),
        "1.2",
        "300000.00",
    )
    # Both lines say why: who changed which rate, from what to what.
    for line in LedgerLine.objects.filter(program=rebate).exclude(amount=Decimal("9400.00")):
        assert line.created_by == farid
        assert line.deal_event is None
        assert "Exchange rate EUR→USD 1.08 from 2026-03-01 changed to EUR→USD 1.2 from 2026-03-01" in line.note
        assert "by finance-farid" in line.note
        assert (line.rate_change["rate"], line.rate_change["previous"]["rate"]) == ("1.2", "1.08")

    # The approved March statement keeps its line; the adjustment goes on April's.
    march.refresh_from_db()
    assert march.status == StatementStatus.APPROVED
    assert sorted(march.lines.values_list("pk", "amount")) == issued
    [april] = statements_generate(period_end=APRIL_END)
    assert sorted(april.lines.values_list("kind", "amount")) == [
        (LineKind.REBATE, Decimal("15000.00")),
        (LineKind.REVERSAL, Decimal("-9400.00")),
    ]
    assert [(total.currency, total.amount) for total in statement_totals(statement=april)] == [
        ("USD", Decimal("5600.00"))
    ]

    # The partner reads why on the statement, its CSV and the API.
    client.force_login(PartnerUserFactory(organization=partner, roles=["finance"]))
    today = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    why = f"after the change of the EUR → USD exchange rate on {today}"
    page = client.get(reverse("incentives:statement_detail", args=[april.pk])).content.decode()
    assert page.count(why) == 2
    assert "€250,000.00 won on 03/12/2026 counted as $300,000.00 (rate 1.2, in force from 03/01/2026)" in page
    csv_text = client.get(reverse("incentives:statement_csv", args=[april.pk])).content.decode("utf-8-sig")
    assert csv_text.count(why) == 2
    march_page = client.get(reverse("incentives:statement_detail", args=[march.pk])).content.decode()
    assert "exchange rate on" not in march_page
    api_line = client.get(f"/api/v1/incentives/lines/{new_rebate.pk}/").json()
    assert api_line["correction"]["exchange_rate"] == {
        "source_currency": "EUR",
        "target_currency": "USD",
        "rate": "1.2",
        "valid_from": "2026-03-01",
    }
    assert api_line["correction"]["previous"]["rate"] == "1.08"


@pytest.fixture
def settled(db):
    """Q1's rebate written at 1.08 (9,400.00)."""
    partner, rebate, rate, _euro_deal = q1_with_a_euro_win()
    rebates_compute(period_end=MARCH_END)
    assert rebate_lines(rebate, partner) == [FIRST_REBATE]
    return partner, rebate, rate


def run_queued(callbacks):
    """Run in this process, in their order, the tasks queued on commit (what the worker would)."""
    for callback in callbacks:
        callback.func.__self__(*callback.args, **callback.keywords)


def edit(exchange_rate, **values):
    for name, value in values.items():
        setattr(exchange_rate, name, value)
    return exchange_rate_record(rate=exchange_rate, user=UserFactory(username="finance-farid"))


@pytest.mark.parametrize(
    "change",
    [
        {"new": ("GBP", "USD", "1.3", D(2026, 1, 1))},
        {"new": ("EUR", "CAD", "1.5", D(2026, 1, 1))},
        {"new": ("EUR", "USD", "1.25", D(2026, 3, 13))},
        {"new": ("EUR", "USD", "1.25", D(2026, 2, 1))},
        {"edit": {"rate": Decimal("1.0800")}},
    ],
    ids=[
        "other-currency",
        "other-target",
        "in-force-only-after-the-close-date",
        "superseded-before-the-close-date",
        "same-value-saved-again",
    ],
)
def test_a_rate_change_that_affects_no_rebate_writes_nothing(settled, django_capture_on_commit_callbacks, change):
    partner, rebate, rate = settled
    with django_capture_on_commit_callbacks() as queued:
        if "new" in change:
            source, target, value, valid_from = change["new"]
            exchange_rate_record(
                rate=ExchangeRate(
                    source_currency=source, target_currency=target, rate=Decimal(value), valid_from=valid_from
                )
            )
        else:
            edit(rate, **change["edit"])
    # The save only asks whether a rebate counts in that currency; the worker's look settles nothing.
    assert {callback.func.__self__.name for callback in queued} <= {"incentives.tasks.resettle_rebates_for_rate_change"}
    run_queued(queued)
    assert rebate_lines(rebate, partner) == [FIRST_REBATE]


def test_a_new_rate_in_force_on_the_close_date_settles_the_rebate_again_once(
    settled, django_capture_on_commit_callbacks
):
    partner, rebate, _rate = settled
    with django_capture_on_commit_callbacks() as queued:
        new_rate = exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR", target_currency="USD", rate=Decimal("1.15"), valid_from=D(2026, 3, 10)
            )
        )
    # The rebate's settlement, and the EUR win's conversion to the program currency (deals' own listener).
    assert [callback.func.__self__.name for callback in queued] == [
        "deals.tasks.reconvert_wins_for_rate_change",
        "incentives.tasks.resettle_rebates_for_rate_change",
    ]
    change = RateChange.of(rate=new_rate)

    run_queued(queued)

    # 200,000 + 250,000 EUR × 1.15 = 487,500 USD: still 2 %, 9,750.00.
    assert rebate_lines(rebate, partner) == [
        FIRST_REBATE,
        (LineKind.REVERSAL, MARCH_END, Decimal("-470000.00"), Decimal("-9400.00")),
        (LineKind.REBATE, MARCH_END, Decimal("487500.00"), Decimal("9750.00")),
    ]
    latest = LedgerLine.objects.filter(program=rebate).latest("pk")
    assert latest.conversions[0]["rate_valid_from"] == "2026-03-10"
    assert latest.note.startswith("Exchange rate EUR→USD 1.15 from 2026-03-10 entered (")
    # The task run again (a retry), or the rebate settled again: nothing more is written.
    resettle_rebates_for_rate_change(asdict(change))
    rebates_compute(period_end=MARCH_END)
    assert LedgerLine.objects.filter(program=rebate).count() == 3
    # Nothing is outdated any more: saving the same rate again queues nothing.
    with django_capture_on_commit_callbacks() as queued_again:
        exchange_rate_record(rate=new_rate)
    assert queued_again == []


def test_a_rate_moved_past_the_close_date_makes_the_rebate_wait_and_keeps_its_line(
    settled, django_capture_on_commit_callbacks
):
    """The 1.08 rate now starts on 15 March: no EUR rate is in force on 12
    March any more, so the rebate waits for one (finance reads why) and the
    standing line stays as it is, as for any rebate waiting for a rate."""
    partner, rebate, rate = settled
    with django_capture_on_commit_callbacks() as queued:
        edit(rate, valid_from=D(2026, 3, 15))
    assert [callback.func.__self__.name for callback in queued] == [
        "deals.tasks.reconvert_wins_for_rate_change",
        "incentives.tasks.resettle_rebates_for_rate_change",
    ]
    run_queued(queued)

    assert rebate_lines(rebate, partner) == [FIRST_REBATE]
    assert rebate.holds.get(resolved_at__isnull=True).rate_needed_on == D(2026, 3, 12)

    # Finance then enters a rate for 12 March: the waiting rebate is settled
    # again (by the hold's retry, queued first), naming this rate change.
    farid = UserFactory(username="finance-farid")
    with django_capture_on_commit_callbacks() as queued:
        exchange_rate_record(
            rate=ExchangeRate(
                source_currency="EUR", target_currency="USD", rate=Decimal("1.20"), valid_from=D(2026, 3, 12)
            ),
            user=farid,
        )
    assert [callback.func.__self__.name for callback in queued] == [
        "deals.tasks.convert_wins_for_rate",
        "incentives.tasks.retry_accrual_holds_for_rate",
        "incentives.tasks.resettle_rebates_for_rate_change",
    ]
    run_queued(queued)

    assert rebate_lines(rebate, partner) == [
        FIRST_REBATE,
        (LineKind.REVERSAL, MARCH_END, Decimal("-470000.00"), Decimal("-9400.00")),
        (LineKind.REBATE, MARCH_END, Decimal("500000.00"), Decimal("15000.00")),
    ]
    for line in LedgerLine.objects.filter(program=rebate).exclude(amount=Decimal("9400.00")):
        assert line.created_by == farid
        assert line.note.startswith("Exchange rate EUR→USD 1.2 from 2026-03-12 entered by finance-farid (")
    assert not rebate.holds.filter(resolved_at__isnull=True).exists()
