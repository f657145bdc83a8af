"""Read queries of support; partner-facing ones go through programs.tenancy."""

from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from wagtail.models import Locale

from deals.models import DealRegistration
from programs.models import Membership, PartnerRole
from programs.tenancy import partner_context, scoped

from .models import (
    Case,
    CaseAttachment,
    CaseCategory,
    CaseMessage,
    CaseUserObjectPermission,
    Delivery,
    Notification,
    NotificationCategory,
    NotificationPreference,
)


def case_list(*, user) -> QuerySet[Case]:
    """The cases ``user`` may see: vendor staff per their portfolio; a partner
    owner every case of the organization; other partner people the cases they
    opened and those shared with them."""
    cases = scoped(Case.objects.all(), user)
    partner = partner_context(user)
    if partner is not None and not partner.has_role(PartnerRole.OWNER):
        shared = CaseUserObjectPermission.objects.filter(user=user, permission__codename="view_case").values(
            "content_object"
        )
        cases = cases.filter(Q(opened_by=user) | Q(pk__in=shared))
    return cases.select_related("category", "organization__tier").order_by("-opened_at", "-pk")


def case_get(*, user, pk: int) -> Case:
    """One case ``user`` may see, else 404 (another tenant's id, or a colleague's private case)."""
    case = case_list(user=user).select_related("opened_by", "assignee", "merged_into", "deal").filter(pk=pk).first()
    if case is None:
        raise Http404("No support case matches the given query.")
    return case


def case_conversation(*, case: Case, include_internal: bool = False) -> QuerySet[CaseMessage]:
    """The conversation; partners never get internal notes."""
    messages = case.messages.select_related("author").prefetch_related("attachments")
    return messages if include_internal else messages.filter(is_internal=False)


def case_attachment_get(*, user, case_pk: int, pk: int) -> CaseAttachment:
    """A partner-visible attachment of a case ``user`` may see, else 404."""
    case = case_get(user=user, pk=case_pk)
    attachment = case.attachments.filter(pk=pk, is_internal=False).first()
    if attachment is None:
        raise Http404("No attachment matches the given query.")
    return attachment


def categories_offered() -> QuerySet[CaseCategory]:
    """Active categories of the source language (shown translated through ``.localized``)."""
    return CaseCategory.objects.filter(is_active=True, locale=Locale.get_default())


def case_share_candidates(*, case: Case) -> QuerySet:
    """Active colleagues who do not see ``case`` yet (owners see every case,
    the opener their own)."""
    members = (
        Membership.objects.filter(organization_id=case.organization_id, is_active=True)
        .exclude(user_id=case.opened_by_id)
        .exclude(roles__contains=[PartnerRole.OWNER.value])
        .exclude(user__in=case.user_grants.values("user"))
    )
    return get_user_model().objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("first_name")


def notification_get(*, user, pk: int) -> Notification:
    """One of ``user``'s own notifications, else 404."""
    notification = Notification.objects.filter(recipient=user, pk=pk).first()
    if notification is None:
        raise Http404("No notification matches the given query.")
    return notification


def linkable_deals(*, organization) -> QuerySet[DealRegistration]:
    """Deals a case may point to: the organization's own (not ones shared from elsewhere)."""
    return DealRegistration.objects.filter(organization=organization).order_by("-submitted_at", "-pk")


def _duration_text(remaining: timedelta) -> str:
    minutes = max(int(remaining.total_seconds() // 60), 1)
    if minutes < 60:
        return ngettext("%(count)d min", "%(count)d min", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    if hours < 48:
        return ngettext("%(count)d h", "%(count)d h", hours) % {"count": hours}
    days = round(hours / 24)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def case_sla_summary(*, case: Case, now: datetime | None = None) -> dict | None:
    """What the partner sees of the SLA: the next target, time left, and
    whether it is breached or paused. None without a target or once resolved."""
    if not case.is_active:
        return None
    now = now or timezone.now()
    if case.sla_paused_at is not None:
        return {"paused": True, "breached": False, "due_at": None, "text": _("Paused while we wait for your reply")}
    if case.first_responded_at is None and case.first_response_due_at is not None:
        due, late, on_time = (
            case.first_response_due_at,
            _("First answer overdue: we are on it"),
            _("First answer due in %(time)s"),
        )
    elif case.resolution_due_at is not None:
        due, late, on_time = (
            case.resolution_due_at,
            _("Resolution overdue: we are on it"),
            _("Resolution due in %(time)s"),
        )
    else:
        return None
    if due <= now:
        return {"paused": False, "breached": True, "due_at": due, "text": late}
    return {"paused": False, "breached": False, "due_at": due, "text": on_time % {"time": _duration_text(due - now)}}


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")


def notification_unread_count(*, user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_preferences(*, user) -> dict[str, str]:
    """Every category with ``user``'s delivery choice (email at once by default)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("category", "delivery"))
    return {category: chosen.get(category, Delivery.IMMEDIATE) for category in NotificationCategory.values}
