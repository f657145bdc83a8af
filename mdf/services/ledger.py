"""The ledger and the audit trail: the two things every MDF service writes.

Every movement of money locks its allocation row first (``SELECT … FOR
UPDATE``), so the balance read and the line written belong to one
serialised step: two requests racing for the last funds cannot both pass
the balance check.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from programs.audit import json_safe, status_change
from programs.formats import money

from ..models import Allocation, FundRequest, LedgerEntry, LedgerKind, MdfEvent
from ..selectors import Balance, allocation_balance
from ..webhooks import mdf_event_publish


def allocation_lock(allocation: Allocation) -> Allocation:
    """The allocation row locked until the transaction ends (call inside ``atomic``)."""
    return Allocation.objects.select_for_update(of=("self",)).select_related("program").get(pk=allocation.pk)


def ledger_write(
    *,
    allocation: Allocation,
    kind: str,
    amount: Decimal,
    actor=None,
    reason: str = "",
    request: FundRequest | None = None,
    claim=None,
) -> LedgerEntry:
    """Append one line (the caller holds the allocation lock)."""
    return LedgerEntry.objects.create(
        allocation=allocation,
        organization_id=allocation.organization_id,
        kind=kind,
        amount=amount,
        currency=allocation.program.currency,
        actor=actor,
        reason=reason,
        request=request,
        claim=claim,
    )


def require_available(allocation: Allocation, amount: Decimal, *, field: str | None = None) -> Balance:
    """Refuse ``amount`` if it exceeds what the (locked) allocation has left."""
    balance = allocation_balance(allocation=allocation)
    if amount > balance.available:
        message = _("This is more than the %(available)s left in your allocation.") % {
            "available": money(balance.available, balance.currency)
        }
        raise ValidationError({field: message} if field else message, code="insufficient_funds")
    return balance


def ledger_commit(*, request: FundRequest, amount: Decimal, actor=None) -> LedgerEntry:
    """Commit ``amount`` of the request's allocation, never beyond its balance."""
    allocation = allocation_lock(request.allocation)
    require_available(allocation, amount)
    return ledger_write(allocation=allocation, kind=LedgerKind.COMMITTED, amount=amount, actor=actor, request=request)


def record_event(
    request: FundRequest,
    kind: str,
    *,
    actor=None,
    claim=None,
    from_status: str = "",
    to_status: str = "",
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
    partner_note: str = "",
) -> MdfEvent:
    event = MdfEvent.objects.create(
        organization_id=request.organization_id,
        request=request,
        claim=claim,
        kind=kind,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        before={key: json_safe(value) for key, value in (before or {}).items()},
        after={key: json_safe(value) for key, value in (after or {}).items()},
        note=note,
        partner_note=partner_note,
    )
    mdf_event_publish(event=event)
    return event


def set_status(
    instance,
    status: str,
    kind: str,
    *,
    request: FundRequest,
    actor=None,
    claim=None,
    note="",
    partner_note="",
    **fields,
) -> MdfEvent:
    """Change ``instance``'s status (and ``fields``) and record the event with before/after."""
    before, after = status_change(instance, {"status": status, **fields})
    return record_event(
        request,
        kind,
        actor=actor,
        claim=claim,
        from_status=before["status"],
        to_status=status,
        before=before,
        after=after,
        note=note,
        partner_note=partner_note,
    )
