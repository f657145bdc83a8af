"""Disputes over statement lines: a partner's finance or owner user opens
one, vendor finance answers in a thread and resolves it with an adjustment
line or a rejection with a reason. Nothing on the statement changes before
the resolution; every step is a DisputeEvent."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from programs.formats import round_money
from programs.models import PartnerRole
from programs.tenancy import partner_context

from ..models import (
    Dispute,
    DisputeEvent,
    DisputeEventKind,
    DisputeMessage,
    DisputeStatus,
    LedgerLine,
    LineKind,
    StatementStatus,
)

#: partner roles who may dispute a statement line
DISPUTING_ROLES = (PartnerRole.OWNER, PartnerRole.FINANCE)


def _event(dispute: Dispute, kind: str, *, actor, from_status: str, note: str = "", after=None) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=dispute,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=dispute.status,
        note=note,
        after=after or {},
    )


def _require_text(field: str, text: str, message: str) -> str:
    if not (text or "").strip():
        raise ValidationError({field: message})
    return text.strip()


@transaction.atomic
def dispute_open(*, line: LedgerLine, user, comment: str) -> Dispute:
    """A partner's finance or owner user questions a line of their statement."""
    comment = _require_text("comment", comment, _("Say what is wrong with this line."))
    context = partner_context(user)
    if context is None or context.organization.pk != line.organization_id or not context.has_role(*DISPUTING_ROLES):
        raise ValidationError(_("Only your organization's owner or finance people can dispute a line."))
    if line.statement_id is None:
        raise ValidationError(_("Only a line on a statement can be disputed."))
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                organization_id=line.organization_id, line=line, statement_id=line.statement_id, opened_by=user
            )
    except IntegrityError as duplicate:
        raise ValidationError(_("This line is already disputed; add to the open dispute instead.")) from duplicate
    DisputeMessage.objects.create(dispute=dispute, author=user, body=comment)
    _event(dispute, DisputeEventKind.OPENED, actor=user, from_status="", note=comment)
    return dispute


def _locked_open(dispute: Dispute) -> Dispute:
    dispute = Dispute.objects.select_for_update().select_related("line", "statement").get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise ValidationError(_("This dispute is resolved; it can no longer change."), code="status")
    return dispute


@transaction.atomic
def dispute_reply(*, dispute: Dispute, author, body: str, from_vendor: bool) -> DisputeMessage:
    """One more message in an open dispute's thread (partner or vendor)."""
    body = _require_text("body", body, _("Write a message."))
    dispute = _locked_open(dispute)
    message = DisputeMessage.objects.create(dispute=dispute, author=author, body=body, from_vendor=from_vendor)
    _event(dispute, DisputeEventKind.REPLIED, actor=author, from_status=dispute.status)
    return message


@transaction.atomic
def dispute_resolve_with_adjustment(*, dispute: Dispute, actor, amount: Decimal, reason: str) -> Dispute:
    """Vendor finance settles the dispute with an adjustment line (positive or
    negative) in the disputed line's currency. It goes on the same statement
    while that is a draft, else on the next one."""
    reason = _require_text("reason", reason, _("Explain the adjustment to the partner."))
    if amount is None or not amount:
        raise ValidationError({"amount": _("Enter the adjustment amount (negative to reduce).")})
    dispute = _locked_open(dispute)
    line = dispute.line
    adjustment = LedgerLine.objects.create(
        organization_id=line.organization_id,
        program_id=line.program_id,
        rule_version_id=line.rule_version_id,
        deal_id=line.deal_id,
        subject=f"dispute:{dispute.pk}",
        kind=LineKind.ADJUSTMENT,
        key=f"dispute:{dispute.pk}",
        earned_on=timezone.localdate(),
        tier_name=line.tier_name,
        basis=_("adjustment for dispute %(dispute)s") % {"dispute": dispute.pk},
        base_amount=Decimal("0"),
        amount=round_money(amount, line.currency),
        currency=line.currency,
        note=reason,
        created_by=actor,
        statement=dispute.statement if dispute.statement.status == StatementStatus.DRAFT else None,
    )
    dispute.status = DisputeStatus.ADJUSTED
    dispute.adjustment = adjustment
    return _resolve(dispute, actor=actor, reason=reason, kind=DisputeEventKind.ADJUSTED)


@transaction.atomic
def dispute_reject(*, dispute: Dispute, actor, reason: str) -> Dispute:
    """Vendor finance rejects the dispute with a reason the partner reads."""
    reason = _require_text("reason", reason, _("Give the partner a reason for the rejection."))
    dispute = _locked_open(dispute)
    dispute.status = DisputeStatus.REJECTED
    return _resolve(dispute, actor=actor, reason=reason, kind=DisputeEventKind.REJECTED)


def _resolve(dispute: Dispute, *, actor, reason: str, kind: str) -> Dispute:
    dispute.resolution = reason
    dispute.resolved_by = actor
    dispute.resolved_at = timezone.now()
    dispute.save()
    after = {"adjustment_line": dispute.adjustment_id} if dispute.adjustment_id else {}
    _event(dispute, kind, actor=actor, from_status=DisputeStatus.OPEN, note=reason, after=after)
    return dispute
