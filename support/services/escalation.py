"""SLA breaches reach people without anyone watching the queue: first the
organization's channel account manager, then the configured escalation group."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import (
    ACTIVE_CASE_STATUSES,
    Case,
    CaseEventKind,
    CasePriority,
    EscalationLevel,
    NotificationCategory,
    SupportSettings,
)
from .cases import _change
from .notifications import notifications_send


def breached_cases(*, now: datetime):
    """Active, unpaused cases past their first-answer or resolution target."""
    return Case.objects.filter(status__in=ACTIVE_CASE_STATUSES, sla_paused_at__isnull=True).filter(
        Q(first_responded_at__isnull=True, first_response_due_at__lte=now) | Q(resolution_due_at__lte=now)
    )


def cases_escalate_breached(*, now: datetime | None = None) -> int:
    """Escalate every breached case one level when it is due; returns how many
    moved. Run by beat; running it twice in a row changes nothing more."""
    now = now or timezone.now()
    settings = SupportSettings.load()
    group_after = timedelta(hours=settings.group_escalation_after_hours)
    due = breached_cases(now=now).filter(
        Q(escalation_level=EscalationLevel.NONE)
        | Q(escalation_level=EscalationLevel.CAM, escalated_at__lte=now - group_after)
    )
    moved = 0
    for case_id in list(due.values_list("pk", flat=True)):
        moved += case_escalate(case_id=case_id, now=now, settings=settings)
    return moved


@transaction.atomic
def case_escalate(*, case_id: int, now: datetime, settings: SupportSettings | None = None) -> int:
    """Escalate one breached case to its next level (skipping a CAM the
    organization does not have). Returns 1 if it moved, else 0."""
    settings = settings or SupportSettings.load()
    case = (
        breached_cases(now=now)
        .select_for_update(skip_locked=True, of=("self",))
        .select_related("organization__channel_account_manager")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        return 0
    cam = case.organization.channel_account_manager
    if case.escalation_level == EscalationLevel.NONE and cam is not None and cam.is_active:
        level, recipients = EscalationLevel.CAM, [cam]
    elif (
        case.escalation_level == EscalationLevel.GROUP
        or case.escalation_level == EscalationLevel.CAM
        and case.escalated_at > now - timedelta(hours=settings.group_escalation_after_hours)
    ):
        return 0
    else:
        group = settings.escalation_group
        recipients = list(group.user_set.filter(is_active=True)) if group is not None else []
        level = EscalationLevel.GROUP
    _change(case, CaseEventKind.ESCALATED, escalation_level=level, escalated_at=now)
    notifications_send(
        recipients=recipients,
        category=NotificationCategory.CASE_UPDATE,
        title=_("SLA breached on case %(number)s (%(organization)s): %(subject)s"),
        body=_("Priority %(priority)s. Open the case to answer or reassign it."),
        params={
            "number": case.number,
            "organization": case.organization.name,
            "subject": case.subject,
            "priority": CasePriority(case.priority).label,
        },
        url=reverse("support_cases:edit", args=[case.pk]),
    )
    return 1
