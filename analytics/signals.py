"""Where partner activity is observed: the apps' own records of what happened
(the search log's ``query_logged`` signal, which names the person who
searched; download log, deal and MDF audit trails, course enrollments) and
Django's login signal. Each receiver only appends an ``ActivityEvent`` in the
same transaction as the record it observes; no business rule runs here.

Saving or deleting a deal registration queues, on commit, the recomputation
of the deal rollup's days it touches (``analytics.tasks.refresh_deal_days``).
"""

import datetime

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from content.models import AssetDownload, CourseEnrollment
from deals.models import DealEvent, DealEventKind, DealRegistration
from mdf.models import MdfEvent
from programs.models import Membership
from programs.tenancy import partner_context
from search.models import SearchQueryLog
from search.signals import query_logged

from .models import ActivityKind
from .services import activity_record
from .tasks import refresh_deal_days

#: MDF steps a partner takes (the others are the vendor's or the system's)
PARTNER_MDF_KINDS = frozenset({"submitted", "resubmitted", "cancelled", "claim_submitted", "leads"})


@receiver(user_logged_in, dispatch_uid="analytics_login")
def record_login(sender, request, user, **kwargs):
    partner = partner_context(user)
    if partner is not None:
        activity_record(organization_id=partner.organization.pk, user_id=user.pk, kind=ActivityKind.LOGIN)


@receiver(query_logged, sender=SearchQueryLog, dispatch_uid="analytics_search")
def record_search(sender, entry, user_id=None, **kwargs):
    if entry.organization_id:
        # Only the UTC day (all that "active" needs), so the event's time cannot
        # be matched to the search log's to tell who typed which query.
        day = entry.created_at.astimezone(datetime.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        activity_record(organization_id=entry.organization_id, user_id=user_id, kind=ActivityKind.SEARCH, at=day)


@receiver(post_save, sender=AssetDownload, dispatch_uid="analytics_download")
def record_download(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.organization_id:
        activity_record(
            organization_id=instance.organization_id,
            user_id=instance.user_id,
            kind=ActivityKind.DOWNLOAD,
            object_id=instance.asset_id,
            at=instance.downloaded_at,
        )


@receiver(post_save, sender=DealEvent, dispatch_uid="analytics_registration")
def record_registration(sender, instance, created, raw=False, **kwargs):
    if created and not raw and instance.kind == DealEventKind.SUBMITTED:
        organization_id = (
            type(instance.deal).objects.filter(pk=instance.deal_id).values_list("organization_id", flat=True)[0]
        )
        activity_record(
            organization_id=organization_id,
            user_id=instance.actor_id,
            kind=ActivityKind.REGISTRATION,
            object_id=instance.deal_id,
            at=instance.at,
        )


@receiver(post_save, sender=CourseEnrollment, dispatch_uid="analytics_course")
def record_course_progress(sender, instance, created, raw=False, update_fields=None, **kwargs):
    # Started (created) or completed (the service saves completed_at alone).
    if raw or not (created or (update_fields and "completed_at" in update_fields)):
        return
    activity_record(
        organization_id=instance.organization_id,
        user_id=instance.user_id,
        kind=ActivityKind.COURSE,
        object_id=instance.course_id,
    )


@receiver(post_save, sender=MdfEvent, dispatch_uid="analytics_mdf")
def record_mdf_action(sender, instance, created, raw=False, **kwargs):
    if not created or raw or instance.kind not in PARTNER_MDF_KINDS or instance.actor_id is None:
        return
    # Vendor staff act on requests too (on the partner's behalf): only members count.
    if Membership.objects.filter(user_id=instance.actor_id, organization_id=instance.organization_id).exists():
        activity_record(
            organization_id=instance.organization_id,
            user_id=instance.actor_id,
            kind=ActivityKind.MDF,
            object_id=instance.request_id,
            at=instance.at,
        )


def _deal_days(organization_id, submitted_at, closed_on) -> set[tuple[int, str]]:
    """The rollup rows (organization, UTC day) a deal's figures sit on."""
    days = set()
    if submitted_at is not None:
        days.add((organization_id, submitted_at.astimezone(datetime.UTC).date().isoformat()))
    if closed_on is not None:
        days.add((organization_id, closed_on.isoformat()))
    return days


@receiver(pre_save, sender=DealRegistration, dispatch_uid="analytics_deal_days_before")
def remember_deal_days(sender, instance, raw=False, **kwargs):
    # A correction may move the deal to another day or organization: the old days are recomputed too.
    instance._rollup_days_before = set()
    if instance.pk and not raw:
        before = sender.objects.filter(pk=instance.pk).values_list("organization_id", "submitted_at", "closed_on")
        for row in before:
            instance._rollup_days_before = _deal_days(*row)


def _refresh_deal_days(days: set[tuple[int, str]]) -> None:
    by_organization: dict[int, list[str]] = {}
    for organization_id, day in days:
        by_organization.setdefault(organization_id, []).append(day)
    for organization_id, organization_days in by_organization.items():
        refresh_deal_days.delay_on_commit(organization_id, sorted(organization_days))


@receiver(post_save, sender=DealRegistration, dispatch_uid="analytics_deal_days")
def refresh_deal_days_on_save(sender, instance, raw=False, **kwargs):
    if raw:
        return
    days = _deal_days(instance.organization_id, instance.submitted_at, instance.closed_on)
    _refresh_deal_days(days | getattr(instance, "_rollup_days_before", set()))


@receiver(post_delete, sender=DealRegistration, dispatch_uid="analytics_deal_days_deleted")
def refresh_deal_days_on_delete(sender, instance, **kwargs):
    _refresh_deal_days(_deal_days(instance.organization_id, instance.submitted_at, instance.closed_on))
