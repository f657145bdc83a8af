"""Period close and reminders, run by Celery beat (mdf.tasks)."""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Allocation, FundRequest, LedgerKind, MdfEvent, MdfEventKind, RequestStatus
from ..selectors import allocation_balance
from .ledger import allocation_lock, ledger_write, record_event

CLAIM_REMINDER_DAYS = 7
EXPIRY_REMINDER_DAYS = 14


@transaction.atomic
def allocation_expire(*, allocation: Allocation, today: datetime.date | None = None) -> bool:
    """After its program ends, expire what an allocation has left (if the
    program says unused funds expire) as one ledger line. Idempotent."""
    today = today or timezone.localdate()
    allocation = allocation_lock(allocation)
    program = allocation.program
    if allocation.expired_at is not None or not program.expire_unused or program.ends_on >= today:
        return False
    available = allocation_balance(allocation=allocation).available
    if available > 0:
        ledger_write(
            allocation=allocation,
            kind=LedgerKind.EXPIRED,
            amount=available,
            reason=_("Unused at the end of %(program)s") % {"program": program.name},
        )
    allocation.expired_at = timezone.now()
    allocation.save(update_fields=["expired_at"])
    return True


def allocations_expire_ended(*, today: datetime.date | None = None) -> int:
    today = today or timezone.localdate()
    ended = Allocation.objects.filter(
        expired_at__isnull=True, program__expire_unused=True, program__ends_on__lt=today
    ).values_list("pk", flat=True)
    return sum(allocation_expire(allocation=Allocation(pk=pk), today=today) for pk in ended)


def claim_reminders_due(*, today: datetime.date | None = None):
    """Approved, unclaimed requests whose deadline is within a week and that
    have not been reminded yet."""
    today = today or timezone.localdate()
    reminded = MdfEvent.objects.filter(request=OuterRef("pk"), kind=MdfEventKind.REMINDER)
    return FundRequest.objects.filter(
        status=RequestStatus.APPROVED,
        claim_deadline__gte=today,
        claim_deadline__lte=today + datetime.timedelta(days=CLAIM_REMINDER_DAYS),
    ).exclude(Exists(reminded))


@transaction.atomic
def request_record_claim_reminder(*, request: FundRequest) -> bool:
    """Record the reminder once per request (the event is the idempotency key)."""
    request = FundRequest.objects.select_for_update().get(pk=request.pk)
    if request.events.filter(kind=MdfEventKind.REMINDER).exists():
        return False
    record_event(request, MdfEventKind.REMINDER, from_status=request.status, to_status=request.status)
    return True


def expiry_reminders_due(*, today: datetime.date | None = None):
    """Allocations of programs that expire unused funds within two weeks, not reminded yet."""
    today = today or timezone.localdate()
    return Allocation.objects.select_related("program", "organization").filter(
        expired_at__isnull=True,
        expiry_reminder_sent_at__isnull=True,
        program__expire_unused=True,
        program__ends_on__gte=today,
        program__ends_on__lte=today + datetime.timedelta(days=EXPIRY_REMINDER_DAYS),
    )


def allocation_mark_reminded(*, allocation: Allocation) -> bool:
    return bool(
        Allocation.objects.filter(pk=allocation.pk, expiry_reminder_sent_at__isnull=True).update(
            expiry_reminder_sent_at=timezone.now()
        )
    )
