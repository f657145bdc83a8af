"""Statements and payouts: draft per organization and period, approved by
finance, paid with a reference and date. Every change is a StatementEvent."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs import notifications
from programs.formats import amount_text
from programs.models import PartnerRole
from webhooks.services import event_publish

from ..models import (
    DisputeStatus,
    LedgerLine,
    PayoutFrequency,
    Statement,
    StatementEvent,
    StatementEventKind,
    StatementStatus,
)
from ..periods import is_period_end, period_bounds
from .rules import rules_in_force


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    amount: Decimal


def statement_totals(*, statement: Statement) -> list[CurrencyTotal]:
    """One total per currency: amounts in different currencies are never added."""
    rows = statement.lines.values("currency").annotate(total=Sum("amount")).order_by("currency")
    return [CurrencyTotal(row["currency"], row["total"]) for row in rows]


#: who is told about approved and paid statements (those who read statements)
STATEMENT_READER_ROLES = (PartnerRole.OWNER, PartnerRole.FINANCE)
#: statement events partners' systems hear about through the signed webhooks
WEBHOOK_KINDS = (StatementEventKind.APPROVED, StatementEventKind.PAID)


def statement_event_data(event: StatementEvent) -> dict:
    """The webhook body (besides the event's name, id and time)."""
    statement = event.statement
    return {
        "statement": {
            "id": statement.pk,
            "organization": statement.organization_id,
            "period_start": statement.period_start.isoformat(),
            "period_end": statement.period_end.isoformat(),
            "status": statement.status,
            "totals": [
                {"currency": total.currency, "amount": amount_text(total.amount, total.currency)}
                for total in statement_totals(statement=statement)
            ],
            "payment_reference": statement.payment_reference,
            "payment_date": statement.payment_date.isoformat() if statement.payment_date else None,
        },
    }


def _event(statement: Statement, kind: str, *, actor, from_status: str, before=None, after=None, note=""):
    """Record the change; approvals and payments also go to the webhooks
    (same endpoints, signature and retries as deal events)."""
    event = StatementEvent.objects.create(
        statement=statement,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=statement.status,
        before=before or {},
        after=after or {},
        note=note,
    )
    if kind in WEBHOOK_KINDS:
        event_publish(
            event_type=f"statement.{event.kind}",
            organization_id=statement.organization_id,
            data=statement_event_data(event),
            event=event,
        )
        _notify_partner(statement, kind)
    return event


def _notify_partner(statement: Statement, kind: str) -> None:
    """Tell the organization's finance people and owners (else its contact
    address) that a statement was approved or paid, through the notification centre."""
    titles = {
        StatementEventKind.APPROVED: gettext_lazy("Your statement %(start)s – %(end)s is approved"),
        StatementEventKind.PAID: gettext_lazy("Your statement %(start)s – %(end)s is paid"),
    }
    bodies = {
        StatementEventKind.APPROVED: gettext_lazy("Finance approved it; the payment follows."),
        StatementEventKind.PAID: gettext_lazy("Paid on %(date)s, reference %(reference)s."),
    }
    notifications.notify_organization(
        organization=statement.organization,
        roles=STATEMENT_READER_ROLES,
        category=notifications.STATEMENT,
        title=titles[kind],
        body=bodies[kind],
        params={
            "start": lambda: date_format(statement.period_start, "SHORT_DATE_FORMAT"),
            "end": lambda: date_format(statement.period_end, "SHORT_DATE_FORMAT"),
            "date": lambda: date_format(statement.payment_date, "DATE_FORMAT") if statement.payment_date else "",
            "reference": statement.payment_reference,
        },
        url=reverse("incentives:statement_detail", args=[statement.pk]),
    )


@transaction.atomic
def statements_generate(*, period_end: datetime.date, actor=None) -> list[Statement]:
    """Draft (or top up the draft) statement of every organization with lines
    due on ``period_end``: unpaid lines of the programs whose payout falls on
    that day, past their hold days. A program's lines in its currency whose
    total is below its minimum payout wait for a later statement; so do the
    lines of an organization whose statement for the period is already
    approved. A line goes on one statement only."""
    due_programs = [
        rules for rules in rules_in_force(on=period_end) if is_period_end(period_end, rules.payout_frequency)
    ]
    if not due_programs:
        return []
    frequencies = {rules.payout_frequency for rules in due_programs}
    shortest = PayoutFrequency.MONTHLY if PayoutFrequency.MONTHLY in frequencies else PayoutFrequency.QUARTERLY
    period_start = period_bounds(period_end, shortest)[0]
    statements: dict[int, Statement] = {}
    for rules in due_programs:
        lines = LedgerLine.objects.filter(
            program_id=rules.program_id,
            statement__isnull=True,
            earned_on__lte=period_end - datetime.timedelta(days=rules.hold_days),
        )
        groups = lines.values("organization_id", "currency").annotate(total=Sum("amount")).order_by("organization_id")
        for group in groups:
            # The minimum is an amount in the program's currency; other currencies have none.
            if group["currency"] == rules.currency and 0 <= group["total"] < rules.minimum_payout:
                continue
            organization_id = group["organization_id"]
            if organization_id not in statements:
                statement, created = Statement.objects.get_or_create(
                    organization_id=organization_id, period_end=period_end, defaults={"period_start": period_start}
                )
                if created:
                    _event(statement, StatementEventKind.CREATED, actor=actor, from_status="")
                statements[organization_id] = statement
            statement = statements[organization_id]
            if statement.status == StatementStatus.DRAFT:
                lines.filter(organization_id=organization_id, currency=group["currency"]).update(statement=statement)
    return [statement for statement in statements.values() if statement.status == StatementStatus.DRAFT]


def _locked(statement: Statement) -> Statement:
    return Statement.objects.select_for_update().get(pk=statement.pk)


@transaction.atomic
def statement_approve(*, statement: Statement, actor) -> Statement:
    """Finance approves a draft statement; not while a line on it is disputed."""
    statement = _locked(statement)
    if statement.status != StatementStatus.DRAFT:
        raise ValidationError(_("Only a draft statement can be approved."), code="status")
    if statement.disputes.filter(status=DisputeStatus.OPEN).exists():
        raise ValidationError(
            _("A line on this statement is disputed: resolve the dispute before approving."), code="disputed"
        )
    statement.status = StatementStatus.APPROVED
    statement.approved_by = actor
    statement.approved_at = timezone.now()
    statement.save()
    _event(statement, StatementEventKind.APPROVED, actor=actor, from_status=StatementStatus.DRAFT)
    return statement


@transaction.atomic
def statement_mark_paid(
    *, statement: Statement, actor, payment_reference: str, payment_date: datetime.date
) -> Statement:
    """Finance records the payment of an approved statement."""
    errors = {}
    if not (payment_reference or "").strip():
        errors["payment_reference"] = _("Enter the payment reference the partner will see on their bank statement.")
    if payment_date is None:
        errors["payment_date"] = _("Enter the date of the payment.")
    elif payment_date > timezone.localdate():
        errors["payment_date"] = _("The payment date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    statement = _locked(statement)
    if statement.status != StatementStatus.APPROVED:
        raise ValidationError(_("Only an approved statement can be paid."), code="status")
    statement.status = StatementStatus.PAID
    statement.paid_by = actor
    statement.paid_at = timezone.now()
    statement.payment_reference = payment_reference.strip()
    statement.payment_date = payment_date
    statement.save()
    _event(
        statement,
        StatementEventKind.PAID,
        actor=actor,
        from_status=StatementStatus.APPROVED,
        after={"payment_reference": statement.payment_reference, "payment_date": payment_date.isoformat()},
    )
    return statement
