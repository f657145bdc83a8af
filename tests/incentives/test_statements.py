"""Statements per organization and period, finance approval and payment, disputes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from incentives.models import (
    DisputeEventKind,
    DisputeStatus,
    LedgerLine,
    LineKind,
    StatementEventKind,
    StatementStatus,
)
from incentives.services.accruals import deal_accruals_compute
from incentives.services.disputes import (
    dispute_open,
    dispute_reject,
    dispute_reply,
    dispute_resolve_with_adjustment,
)
from incentives.services.statements import (
    CurrencyTotal,
    statement_approve,
    statement_mark_paid,
    statement_totals,
    statements_generate,
)
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.incentives import incentive_program, won_deal

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH_END = D(2026, 3, 31)


@pytest.fixture
def gold():
    return TierFactory(name="Gold")


@pytest.fixture
def partner(gold):
    return OrganizationFactory(tier=gold)


def won(partner, amount, closed_on, currency="USD"):
    deal = won_deal(partner, amount=amount, closed_on=closed_on, currency=currency)
    deal_accruals_compute(deal_id=deal.pk)
    return deal


def test_a_statement_lists_the_periods_lines_with_totals_per_currency(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    won(partner, "1000.10", D(2026, 3, 2))
    won(partner, "2000.00", D(2026, 3, 31))
    won(partner, "3000.00", D(2026, 3, 15), currency="EUR")
    later = won(partner, "9000.00", D(2026, 4, 1))

    [statement] = statements_generate(period_end=MARCH_END)

    assert statement.organization == partner
    assert (statement.period_start, statement.period_end, statement.status) == (D(2026, 3, 1), MARCH_END, "draft")
    assert statement.lines.count() == 3
    assert statement_totals(statement=statement) == [
        CurrencyTotal("EUR", Decimal("150.00")),
        CurrencyTotal("USD", Decimal("150.01")),  # 50.005 -> 50.01, plus 100.00
    ]
    assert not LedgerLine.objects.get(deal=later).statement
    assert statement.events.get().kind == StatementEventKind.CREATED
    assert statements_generate(period_end=MARCH_END) == []  # nothing new is due
    assert statement.lines.count() == 3


def test_hold_days_and_minimum_payout_keep_lines_for_a_later_statement(partner, gold):
    incentive_program(tier_rates={gold: "5"}, hold_days=10, minimum_payout="100")
    held = won(partner, "5000.00", D(2026, 3, 25))  # within the hold days
    small = won(partner, "1000.00", D(2026, 3, 1))  # 50 < 100 minimum

    assert statements_generate(period_end=MARCH_END) == []

    [april] = statements_generate(period_end=D(2026, 4, 30))
    assert set(april.lines.values_list("deal", flat=True)) == {held.pk, small.pk}


def test_a_reversal_after_payment_goes_on_the_next_statement(partner, gold):
    from deals.models import DealStatus
    from deals.services import deal_correct_outcome

    incentive_program(tier_rates={gold: "5"})
    deal = won(partner, "1000.00", D(2026, 3, 2))
    [march] = statements_generate(period_end=MARCH_END)
    statement_approve(statement=march, actor=UserFactory())

    deal_correct_outcome(deal=deal, actor=None, reason="Cancelled", status=DealStatus.LOST)
    deal_accruals_compute(deal_id=deal.pk)
    [april] = statements_generate(period_end=D(2026, 4, 30))

    assert statement_totals(statement=march) == [CurrencyTotal("USD", Decimal("50.00"))]
    assert statement_totals(statement=april) == [CurrencyTotal("USD", Decimal("-50.00"))]


def test_finance_approves_then_records_the_payment(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    won(partner, "1000.00", D(2026, 3, 2))
    [statement] = statements_generate(period_end=MARCH_END)
    finance = UserFactory()

    with pytest.raises(ValidationError, match="Only an approved statement"):
        statement_mark_paid(statement=statement, actor=finance, payment_reference="X", payment_date=D(2026, 4, 5))
    statement_approve(statement=statement, actor=finance)
    with pytest.raises(ValidationError) as missing:
        statement_mark_paid(statement=statement, actor=finance, payment_reference=" ", payment_date=None)
    assert set(missing.value.message_dict) == {"payment_reference", "payment_date"}
    statement_mark_paid(statement=statement, actor=finance, payment_reference="PAY-0042", payment_date=D(2026, 4, 5))

    statement.refresh_from_db()
    assert (statement.status, statement.payment_reference, statement.payment_date) == (
        StatementStatus.PAID,
        "PAY-0042",
        D(2026, 4, 5),
    )
    assert [(event.kind, event.actor, event.to_status) for event in statement.events.all()] == [
        (StatementEventKind.CREATED, None, "draft"),
        (StatementEventKind.APPROVED, finance, "approved"),
        (StatementEventKind.PAID, finance, "paid"),
    ]


def test_a_dispute_thread_resolved_by_an_adjustment(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    won(partner, "1000.00", D(2026, 3, 2))
    [statement] = statements_generate(period_end=MARCH_END)
    line = statement.lines.get()
    accountant = PartnerUserFactory(organization=partner, roles=["finance"])
    finance = UserFactory()

    dispute = dispute_open(line=line, user=accountant, comment="The deal was 1,200, not 1,000.")
    with pytest.raises(ValidationError, match="already disputed"):
        dispute_open(line=line, user=accountant, comment="Again")
    with pytest.raises(ValidationError, match="resolve the dispute"):
        statement_approve(statement=statement, actor=finance)
    assert statement_totals(statement=statement) == [CurrencyTotal("USD", Decimal("50.00"))]

    dispute_reply(dispute=dispute, author=finance, body="Can you send the PO?", from_vendor=True)
    dispute_reply(dispute=dispute, author=accountant, body="Attached to the deal.", from_vendor=False)
    dispute_resolve_with_adjustment(dispute=dispute, actor=finance, amount=Decimal("10.004"), reason="PO checked")

    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.ADJUSTED
    assert (dispute.adjustment.kind, dispute.adjustment.amount) == (LineKind.ADJUSTMENT, Decimal("10.00"))
    assert statement_totals(statement=statement) == [CurrencyTotal("USD", Decimal("60.00"))]
    assert [message.body for message in dispute.messages.all()] == [
        "The deal was 1,200, not 1,000.",
        "Can you send the PO?",
        "Attached to the deal.",
    ]
    assert [(event.kind, event.actor) for event in dispute.events.all()] == [
        (DisputeEventKind.OPENED, accountant),
        (DisputeEventKind.REPLIED, finance),
        (DisputeEventKind.REPLIED, accountant),
        (DisputeEventKind.ADJUSTED, finance),
    ]
    statement_approve(statement=statement, actor=finance)
    with pytest.raises(ValidationError, match="resolved"):
        dispute_reject(dispute=dispute, actor=finance, reason="Too late")


def test_a_rejected_dispute_changes_nothing_and_needs_a_reason(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    won(partner, "1000.00", D(2026, 3, 2))
    [statement] = statements_generate(period_end=MARCH_END)
    owner = PartnerUserFactory(organization=partner, roles=["owner"])
    dispute = dispute_open(line=statement.lines.get(), user=owner, comment="Rate should be 6 %")

    with pytest.raises(ValidationError, match="reason"):
        dispute_reject(dispute=dispute, actor=UserFactory(), reason="")
    dispute_reject(dispute=dispute, actor=UserFactory(), reason="Gold earns 5 % under rule version 1.")

    dispute.refresh_from_db()
    assert (dispute.status, dispute.adjustment) == (DisputeStatus.REJECTED, None)
    assert statement_totals(statement=statement) == [CurrencyTotal("USD", Decimal("50.00"))]


def test_only_owner_and_finance_people_of_the_organization_dispute(partner, gold):
    incentive_program(tier_rates={gold: "5"})
    won(partner, "1000.00", D(2026, 3, 2))
    [statement] = statements_generate(period_end=MARCH_END)
    line = statement.lines.get()
    for user in (
        PartnerUserFactory(organization=partner, roles=["sales"]),
        PartnerUserFactory(organization=OrganizationFactory(), roles=["finance"]),
    ):
        with pytest.raises(ValidationError, match="owner or finance"):
            dispute_open(line=line, user=user, comment="Wrong")


def test_approval_and_payment_are_sent_to_the_webhooks(partner, gold):
    from webhooks.models import WebhookDelivery, WebhookEndpoint

    WebhookEndpoint.objects.create(organization=partner, url="https://crm.example/hooks")
    incentive_program(tier_rates={gold: "5"})
    won(partner, "1000.00", D(2026, 3, 2))
    [statement] = statements_generate(period_end=MARCH_END)
    finance = UserFactory()

    statement_approve(statement=statement, actor=finance)
    statement_mark_paid(statement=statement, actor=finance, payment_reference="PAY-9", payment_date=D(2026, 4, 5))

    deliveries = WebhookDelivery.objects.filter(organization=partner, event_type__startswith="statement.").order_by(
        "pk"
    )
    assert [delivery.event_type for delivery in deliveries] == ["statement.approved", "statement.paid"]
    paid = deliveries.last().payload["statement"]
    assert (paid["status"], paid["payment_reference"], paid["totals"]) == (
        "paid",
        "PAY-9",
        [{"currency": "USD", "amount": "50.00"}],
    )
