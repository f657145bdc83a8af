"""Support cases: open, answer, note, assign, change status, reopen, share,
merge. Each function is one transaction and records who did what, when."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deals.validators import validate_attachment
from programs.formats import person_name
from programs.models import Membership, PartnerOrganization, PartnerRole

from ..models import (
    ACTIVE_CASE_STATUSES,
    Case,
    CaseAttachment,
    CaseCategory,
    CaseEvent,
    CaseEventKind,
    CaseMessage,
    CasePriority,
    CaseStatus,
    CaseUserObjectPermission,
    NotificationCategory,
    SlaTarget,
    SupportSettings,
)
from ..sla import BusinessCalendar
from ..webhooks import case_event_publish
from .notifications import notifications_send

#: Statuses vendor staff may set by hand (reopening is the partner's, merging closes).
STAFF_STATUSES = (
    CaseStatus.OPEN,
    CaseStatus.WAITING_ON_PARTNER,
    CaseStatus.RESOLVED,
    CaseStatus.CLOSED,
)
MAX_ATTACHMENTS = 5

#: Fields whose values an event records before and after.
_AUDITED = (
    "status",
    "assignee",
    "first_response_due_at",
    "resolution_due_at",
    "sla_paused_at",
    "merged_into",
    "escalation_level",
)


def _json(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "pk"):
        return str(value)
    return value


def _event(case: Case, kind: str, *, actor=None, before=None, after=None, note: str = "") -> CaseEvent:
    before, after = before or {}, after or {}
    event = CaseEvent.objects.create(
        case=case,
        kind=kind,
        actor=actor,
        from_status=str(before.get("status", case.status)),
        to_status=str(after.get("status", case.status)),
        before={name: _json(value) for name, value in before.items()},
        after={name: _json(value) for name, value in after.items()},
        note=note,
    )
    case_event_publish(event=event)
    return event


def _change(case: Case, kind: str, *, actor=None, note: str = "", **fields) -> CaseEvent:
    """Apply ``fields`` to ``case``, save, and record the event with what moved."""
    before = {name: getattr(case, name) for name in fields}
    for name, value in fields.items():
        setattr(case, name, value)
    case.save()
    moved = [name for name in fields if before[name] != getattr(case, name) or name == "status"]
    return _event(
        case,
        kind,
        actor=actor,
        before={name: before[name] for name in moved if name in _AUDITED or name == "status"},
        after={name: getattr(case, name) for name in moved if name in _AUDITED or name == "status"},
        note=note,
    )


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update(of=("self",)).select_related("organization__tier").get(pk=case.pk)


def sla_target_for(*, priority: str, organization: PartnerOrganization) -> SlaTarget | None:
    """The organization's tier's own target for ``priority``, else the one for any tier."""
    targets = SlaTarget.objects.filter(priority=priority)
    if organization.tier_id is not None:
        # Targets may name the tier in any language; they share its translation key.
        own = targets.filter(tier__translation_key=organization.tier.translation_key).first()
        if own is not None:
            return own
    return targets.filter(tier__isnull=True).first()


def _due_dates(*, priority: str, organization: PartnerOrganization, start: datetime) -> dict:
    target = sla_target_for(priority=priority, organization=organization)
    if target is None:
        return {"first_response_due_at": None, "resolution_due_at": None}
    calendar = BusinessCalendar.load()
    return {
        "first_response_due_at": calendar.add(start, timedelta(hours=float(target.first_response_hours))),
        "resolution_due_at": calendar.add(start, timedelta(hours=float(target.resolution_hours))),
    }


def _validate_files(files: Iterable) -> list:
    files = [file for file in files or () if file]
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": _("Attach at most %(count)s files to one message.") % {"count": MAX_ATTACHMENTS}}
        )
    errors = []
    for file in files:
        try:
            validate_attachment(file)
        except ValidationError as error:
            errors.extend(f"{file.name}: {message}" for message in error.messages)
    if errors:
        raise ValidationError({"attachments": errors})
    return files


def _attach(case: Case, message: CaseMessage | None, files: list, *, user, internal: bool = False) -> None:
    for file in files:
        attachment = CaseAttachment(
            case=case, message=message, original_name=file.name[:255], uploaded_by=user, is_internal=internal
        )
        attachment.file.save(file.name, file, save=False)
        attachment.save()


def _case_url(case: Case) -> str:
    return reverse("support:case_detail", kwargs={"pk": case.pk})


def case_reply_address(case: Case) -> str:
    """The address a partner's email reply goes to: the portal's sender with
    ``+case-<id>-<token>`` (the token stops a guessed number from posting)."""
    local, _sep, domain = settings.DEFAULT_FROM_EMAIL.rpartition("<")[-1].rstrip(">").partition("@")
    return f"{local}+case-{case.pk}-{case.reply_token}@{domain}"


def case_partner_audience(case: Case) -> list:
    """Partner people told about a case: who opened it and whom it is shared with."""
    people = [case.opened_by] if case.opened_by_id else []
    people += [grant.user for grant in case.user_grants.select_related("user")]
    return [person for person in people if person.is_active]


def _tell_partner(case: Case, title, body="", **params) -> None:
    notifications_send(
        recipients=case_partner_audience(case),
        category=NotificationCategory.CASE_UPDATE,
        title=title,
        body=body,
        params={"number": case.number, "subject": case.subject, **params},
        url=_case_url(case),
        reply_to=case_reply_address(case),
    )


def _resume_clock(case: Case, now: datetime) -> dict:
    """Fields that end a pause: due times move by the business time it lasted."""
    if case.sla_paused_at is None:
        return {}
    calendar = BusinessCalendar.load()
    paused_for = calendar.between(case.sla_paused_at, now)
    fields = {"sla_paused_at": None}
    if case.first_responded_at is None and case.first_response_due_at is not None:
        fields["first_response_due_at"] = calendar.add(case.first_response_due_at, paused_for)
    if case.resolution_due_at is not None:
        fields["resolution_due_at"] = calendar.add(case.resolution_due_at, paused_for)
    return fields


def _status_fields(case: Case, status: str, now: datetime) -> dict:
    """Every field a move to ``status`` changes (timestamps, SLA pause)."""
    fields = {"status": status}
    if status == CaseStatus.WAITING_ON_PARTNER:
        if case.sla_paused_at is None:
            fields["sla_paused_at"] = now
    else:
        fields.update(_resume_clock(case, now))
    if status == CaseStatus.RESOLVED:
        fields["resolved_at"] = now
    elif status == CaseStatus.CLOSED:
        fields["closed_at"] = now
        if case.resolved_at is None:
            fields["resolved_at"] = now
    elif status in ACTIVE_CASE_STATUSES:
        fields["resolved_at"] = None
        fields["closed_at"] = None
    return fields


@transaction.atomic
def case_open(
    *,
    organization: PartnerOrganization,
    opened_by,
    category: CaseCategory,
    priority: str,
    subject: str,
    description: str,
    deal=None,
    attachments: Iterable = (),
) -> Case:
    """A partner person opens a case; its SLA clock starts from the tier's targets."""
    errors = {}
    if not (subject or "").strip():
        errors["subject"] = _("Give the case a short subject.")
    if not (description or "").strip():
        errors["description"] = _("Describe what happened and what you need.")
    if priority not in CasePriority.values:
        errors["priority"] = _("Choose a priority.")
    if category is None or not category.is_active:
        errors["category"] = _("Choose one of the offered categories.")
    if deal is not None and deal.organization_id != organization.pk:
        errors["deal"] = _("Link one of your organization's deals.")
    if errors:
        raise ValidationError(errors)
    files = _validate_files(attachments)
    now = timezone.now()
    case = Case.objects.create(
        organization=organization,
        opened_by=opened_by,
        category=category,
        priority=priority,
        subject=subject.strip(),
        description=description.strip(),
        deal=deal,
        opened_at=now,
        **_due_dates(priority=priority, organization=organization, start=now),
    )
    _attach(case, None, files, user=opened_by)
    _event(
        case,
        CaseEventKind.OPENED,
        actor=opened_by,
        before={"status": ""},
        after={
            "status": case.status,
            "first_response_due_at": case.first_response_due_at,
            "resolution_due_at": case.resolution_due_at,
        },
    )
    return case


@transaction.atomic
def case_reply(*, case: Case, author, body: str, internal: bool = False, attachments: Iterable = ()) -> CaseMessage:
    """Vendor staff answer the partner (``internal=False``) or leave an
    internal note the partner never sees. The first public answer stops the
    first-response clock and opens a new case."""
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a message.")})
    files = _validate_files(attachments)
    case = _locked(case)
    if case.merged_into_id is not None:
        raise ValidationError(
            _("This case was merged into %(number)s; answer there.") % {"number": f"#{case.merged_into_id}"}
        )
    message = CaseMessage.objects.create(case=case, author=author, body=body.strip(), is_internal=internal)
    _attach(case, message, files, user=author, internal=internal)
    if internal:
        _event(case, CaseEventKind.NOTE, actor=author)
        return message
    now = timezone.now()
    fields = {}
    if case.first_responded_at is None:
        fields["first_responded_at"] = now
    if case.status == CaseStatus.NEW:
        fields.update(_status_fields(case, CaseStatus.OPEN, now))
    _change(case, CaseEventKind.REPLIED, actor=author, **fields)
    _tell_partner(case, gettext_lazy("New answer on your case %(number)s: %(subject)s"), body=message.body)
    return message


@transaction.atomic
def case_partner_reply(
    *,
    case: Case,
    author,
    body: str,
    attachments: Iterable = (),
    via_email: bool = False,
    email_message_id: str | None = None,
) -> CaseMessage:
    """A partner person adds to the conversation. A case waiting on the partner
    opens again (its SLA clock resumes); a resolved case reopens if the reopen
    window allows; a closed case cannot be answered."""
    if not (body or "").strip():
        raise ValidationError({"body": _("Write a message.")})
    files = _validate_files(attachments)
    case = _locked(case)
    if case.merged_into_id is not None:
        raise ValidationError(
            _("This case was merged into %(number)s; reply there.") % {"number": f"#{case.merged_into_id}"}
        )
    if case.status not in ACTIVE_CASE_STATUSES:
        _require_reopenable(case)
    message = CaseMessage.objects.create(
        case=case,
        author=author,
        body=body.strip(),
        from_partner=True,
        via_email=via_email,
        email_message_id=email_message_id,
    )
    _attach(case, message, files, user=author)
    now = timezone.now()
    if case.status == CaseStatus.WAITING_ON_PARTNER:
        _change(case, CaseEventKind.PARTNER_REPLIED, actor=author, **_status_fields(case, CaseStatus.OPEN, now))
    elif case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        _change(case, CaseEventKind.REOPENED, actor=author, **_reopen_fields(case, now))
    else:
        _event(case, CaseEventKind.PARTNER_REPLIED, actor=author)
    if case.assignee_id:
        notifications_send(
            recipients=[case.assignee],
            category=NotificationCategory.CASE_UPDATE,
            title=gettext_lazy("The partner replied on case %(number)s: %(subject)s"),
            body=message.body,
            params={"number": case.number, "subject": case.subject},
            url=reverse("support_cases:edit", args=[case.pk]),
        )
    return message


def case_reopen_deadline(case: Case) -> datetime | None:
    """Until when a resolved case may be reopened by the partner."""
    if case.resolved_at is None or case.merged_into_id is not None:
        return None
    return case.resolved_at + timedelta(days=SupportSettings.load().reopen_window_days)


def _reopen_fields(case: Case, now: datetime) -> dict:
    """A reopened case is open again with a fresh resolution target from now."""
    fields = _status_fields(case, CaseStatus.OPEN, now)
    fields["resolution_due_at"] = _due_dates(priority=case.priority, organization=case.organization, start=now)[
        "resolution_due_at"
    ]
    fields["escalation_level"] = 0
    return fields


def _require_reopenable(case: Case) -> None:
    deadline = case_reopen_deadline(case)
    if deadline is None or deadline < timezone.now():
        raise ValidationError(
            _("This case can no longer be reopened; please open a new case and mention %(number)s.")
            % {"number": case.number}
        )


@transaction.atomic
def case_reopen(*, case: Case, actor, reason: str = "") -> Case:
    """The partner reopens a resolved (or closed) case within the reopen window."""
    case = _locked(case)
    if case.status in ACTIVE_CASE_STATUSES:
        raise ValidationError(_("This case is still open."))
    _require_reopenable(case)
    _change(case, CaseEventKind.REOPENED, actor=actor, **_reopen_fields(case, timezone.now()))
    if reason.strip():
        CaseMessage.objects.create(case=case, author=actor, body=reason.strip(), from_partner=True)
    return case


@transaction.atomic
def case_set_status(*, case: Case, actor, status: str, note: str = "") -> Case:
    """Vendor staff move a case (waiting on partner pauses the SLA clock)."""
    if status not in STAFF_STATUSES:
        raise ValidationError({"status": _("Choose open, waiting on partner, resolved or closed.")})
    case = _locked(case)
    if case.merged_into_id is not None:
        raise ValidationError(_("A merged case stays closed."))
    if case.status == status:
        raise ValidationError({"status": _("The case is already %(status)s.") % {"status": case.get_status_display()}})
    _change(case, CaseEventKind.STATUS, actor=actor, note=note, **_status_fields(case, status, timezone.now()))
    if status == CaseStatus.WAITING_ON_PARTNER:
        _tell_partner(case, gettext_lazy("We need your reply on case %(number)s: %(subject)s"))
    elif status == CaseStatus.RESOLVED:
        _tell_partner(case, gettext_lazy("Your case %(number)s is resolved: %(subject)s"))
    return case


@transaction.atomic
def case_assign(*, case: Case, actor, assignee) -> Case:
    """Give the case to a member of the support staff (or nobody)."""
    case = _locked(case)
    if assignee is not None and (not assignee.is_active or not assignee.has_perm("support.change_case")):
        raise ValidationError({"assignee": _("Assign the case to someone who may work on cases.")})
    if case.assignee_id == (assignee.pk if assignee else None):
        raise ValidationError({"assignee": _("The case is already assigned to this person.")})
    _change(case, CaseEventKind.ASSIGNED, actor=actor, assignee=assignee)
    return case


@transaction.atomic
def case_share(*, case: Case, actor, user) -> Case:
    """Let a colleague of the same organization follow a case they did not open."""
    membership = Membership.objects.filter(user=user, organization_id=case.organization_id, is_active=True).first()
    if membership is None:
        raise ValidationError({"user": _("Share the case with an active colleague of your organization.")})
    if membership.has_role(PartnerRole.OWNER) or case.opened_by_id == user.pk:
        raise ValidationError({"user": _("%(name)s already sees this case.") % {"name": person_name(user) or user}})
    permission = Permission.objects.get(content_type__app_label="support", codename="view_case")
    _grant, created = CaseUserObjectPermission.objects.get_or_create(
        user=user, permission=permission, content_object=case
    )
    if not created:
        raise ValidationError({"user": _("%(name)s already sees this case.") % {"name": person_name(user) or user}})
    _event(case, CaseEventKind.SHARED, actor=actor, after={"shared_with": user.get_username()})
    return case


@transaction.atomic
def case_merge(*, duplicate: Case, into: Case, actor) -> Case:
    """Merge a duplicate into another case of the same organization: its
    conversation and files move over, its people keep access, it closes."""
    if duplicate.pk == into.pk:
        raise ValidationError({"into": _("A case cannot be merged into itself.")})
    first, second = sorted([duplicate.pk, into.pk])
    locked = {case.pk: case for case in Case.objects.select_for_update().filter(pk__in=[first, second]).order_by("pk")}
    duplicate, into = locked[duplicate.pk], locked[into.pk]
    if duplicate.organization_id != into.organization_id:
        raise ValidationError({"into": _("Only cases of the same partner can be merged.")})
    if into.merged_into_id is not None:
        raise ValidationError(
            {"into": _("%(number)s was itself merged; pick the case it was merged into.") % {"number": into.number}}
        )
    if duplicate.merged_into_id is not None:
        raise ValidationError(_("This case was already merged."))
    duplicate.messages.update(case=into)
    duplicate.attachments.update(case=into)
    CaseMessage.objects.create(
        case=into,
        author=actor,
        is_internal=True,
        body=_("Merged from %(number)s (%(subject)s):\n\n%(description)s")
        % {"number": duplicate.number, "subject": duplicate.subject, "description": duplicate.description},
    )
    permission = Permission.objects.get(content_type__app_label="support", codename="view_case")
    people = [duplicate.opened_by] if duplicate.opened_by_id else []
    people += [grant.user for grant in duplicate.user_grants.select_related("user")]
    for person in people:
        if person.pk != into.opened_by_id:
            CaseUserObjectPermission.objects.get_or_create(user=person, permission=permission, content_object=into)
    now = timezone.now()
    _change(
        duplicate,
        CaseEventKind.MERGED,
        actor=actor,
        merged_into=into,
        **_status_fields(duplicate, CaseStatus.CLOSED, now),
    )
    _event(into, CaseEventKind.MERGED, actor=actor, after={"merged_from": duplicate.number})
    _tell_partner(duplicate, gettext_lazy("Your case %(number)s continues in %(target)s"), target=into.number)
    return into
