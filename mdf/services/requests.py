"""MDF requests: submission with validation against the allocation, routing
by the ordered pre-approval rules, review steps, changes, cancellation and
escalation of reviews waiting beyond their SLA."""

import datetime
from decimal import ROUND_DOWN, Decimal

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from programs.formats import decimal_text, money, round_money
from programs.models import PartnerOrganization

from ..models import (
    ActivityType,
    Allocation,
    ApprovalAction,
    ApprovalRule,
    FundRequest,
    LedgerKind,
    MdfEventKind,
    MdfProgram,
    RequestStatus,
    ReviewerKind,
)
from ..selectors import current_allocation
from .ledger import allocation_lock, ledger_commit, ledger_write, record_event, require_available, set_status

#: Who takes a review nobody else is named for, and escalations without a group.
FALLBACK_GROUP = "Channel ops"
DEFAULT_SLA_HOURS = 48
REVIEW_PERMISSION = "mdf.review_fundrequest"
REQUEST_FIELDS = (
    "activity_type",
    "title",
    "description",
    "starts_on",
    "ends_on",
    "planned_cost",
    "requested_amount",
    "expected_leads",
    "expected_pipeline",
    "campaign",
    "assets",
)


def reimbursement_percent(
    *, program: MdfProgram, organization: PartnerOrganization, activity_type: ActivityType
) -> Decimal:
    """The activity type's percentage if it sets one, else the tier's terms in
    the program, else the program's."""
    if activity_type.reimbursement_percent is not None:
        return activity_type.reimbursement_percent
    terms = program.tier_terms.filter(tier_id=organization.tier_id).first() if organization.tier_id else None
    if terms is not None and terms.reimbursement_percent is not None:
        return terms.reimbursement_percent
    return program.reimbursement_percent


def _validate(allocation: Allocation, organization: PartnerOrganization, fields: dict) -> None:
    """Field-by-field errors a partner can act on; raises them all at once."""
    program = allocation.program
    errors: dict[str, str] = {}
    activity_type = fields["activity_type"]
    eligible = list(program.activity_types.all())
    if eligible and activity_type.pk not in {kind.pk for kind in eligible}:
        errors["activity_type"] = _("This program does not fund %(type)s.") % {"type": activity_type}
    starts_on, ends_on = fields["starts_on"], fields["ends_on"]
    period = {
        "start": date_format(program.starts_on, "SHORT_DATE_FORMAT"),
        "end": date_format(program.ends_on, "SHORT_DATE_FORMAT"),
    }
    if starts_on < program.starts_on or starts_on > program.ends_on:
        errors["starts_on"] = _("The activity must start within the program period (%(start)s to %(end)s).") % period
    if ends_on < starts_on:
        errors["ends_on"] = _("The activity cannot end before it starts.")
    elif ends_on > program.ends_on:
        errors["ends_on"] = _("The activity must end within the program period (%(start)s to %(end)s).") % period
    planned, requested = fields["planned_cost"], fields["requested_amount"]
    if planned is None or planned <= 0:
        errors["planned_cost"] = _("Enter the planned total cost.")
    if requested is None or requested <= 0:
        errors["requested_amount"] = _("Enter the amount you request.")
    if "planned_cost" not in errors and "requested_amount" not in errors:
        percent = reimbursement_percent(program=program, organization=organization, activity_type=activity_type)
        ceiling = round_money(planned * percent / 100, program.currency, rounding=ROUND_DOWN)
        if requested > ceiling:
            errors["requested_amount"] = _(
                "At most %(percent)s%% of the planned cost can be reimbursed: %(ceiling)s."
            ) % {"percent": decimal_text(percent), "ceiling": money(ceiling, program.currency)}
    if errors:
        raise ValidationError(errors)


def rule_matches(rule: ApprovalRule, request: FundRequest) -> bool:
    """Every condition the rule sets holds for the request and its organization."""
    organization = request.organization
    has_amounts = rule.min_amount is not None or rule.max_amount is not None
    # Amounts in another currency say nothing about this request.
    if has_amounts and rule.currency and rule.currency != request.currency:
        return False
    if rule.min_amount is not None and request.requested_amount < rule.min_amount:
        return False
    if rule.max_amount is not None and request.requested_amount > rule.max_amount:
        return False
    for ids, value in (
        ({kind.pk for kind in rule.activity_types.all()}, request.activity_type_id),
        ({tier.pk for tier in rule.tiers.all()}, organization.tier_id),
        ({kind.pk for kind in rule.partner_types.all()}, organization.partner_type_id),
        ({region.pk for region in rule.regions.all()}, organization.region_id),
    ):
        if ids and value not in ids:
            return False
    return True


def matching_rule(request: FundRequest) -> ApprovalRule | None:
    rules = ApprovalRule.objects.filter(is_active=True).prefetch_related(
        "activity_types", "tiers", "partner_types", "regions"
    )
    return next((rule for rule in rules if rule_matches(rule, request)), None)


def _fallback_group() -> Group | None:
    return Group.objects.filter(name=FALLBACK_GROUP).first()


def _first_reviewer(request: FundRequest, rule: ApprovalRule | None) -> dict:
    cam = request.organization.channel_account_manager
    if rule is not None and rule.first_reviewer == ReviewerKind.GROUP:
        return {"reviewer_user": None, "reviewer_group": rule.first_group}
    if cam is not None and cam.is_active:
        return {"reviewer_user": cam, "reviewer_group": None}
    return {"reviewer_user": None, "reviewer_group": (rule and rule.escalation_group) or _fallback_group()}


def _approve(request: FundRequest, *, actor, note: str = "", partner_note: str = "") -> None:
    """Commit the requested amount (under the allocation lock) and approve."""
    ledger_commit(request=request, amount=request.requested_amount, actor=actor)
    deadline = request.ends_on + datetime.timedelta(days=request.allocation.program.claim_deadline_days)
    set_status(
        request,
        RequestStatus.APPROVED,
        MdfEventKind.APPROVED,
        request=request,
        actor=actor,
        note=note,
        partner_note=partner_note,
        committed_amount=request.requested_amount,
        claim_deadline=deadline,
        reviewer_user=None,
        reviewer_group=None,
        waiting_since=None,
    )
    notify_partner(request)


def notify_partner(request: FundRequest) -> None:
    from ..tasks import notify_partner_of_mdf_event

    event = request.events.order_by("-at", "-pk").first()
    if event is not None:
        notify_partner_of_mdf_event.delay_on_commit(event.pk)


def _route(request: FundRequest, *, actor) -> None:
    rule = matching_rule(request)
    if rule is not None and rule.action == ApprovalAction.AUTO_APPROVE:
        request.approval_rule = rule
        _approve(request, actor=None, note=_("Approved by rule “%(rule)s”.") % {"rule": rule.name})
        return
    reviewer = _first_reviewer(request, rule)
    before = {"reviewer_user": request.reviewer_user_id, "reviewer_group": request.reviewer_group_id}
    request.approval_rule = rule
    request.review_step = 1
    request.escalated = False
    request.waiting_since = timezone.now()
    request.reviewer_user = reviewer["reviewer_user"]
    request.reviewer_group = reviewer["reviewer_group"]
    request.save()
    record_event(
        request,
        MdfEventKind.ROUTED,
        from_status=request.status,
        to_status=request.status,
        before=before,
        after={"reviewer_user": request.reviewer_user_id, "reviewer_group": request.reviewer_group_id},
        note=_("Rule: %(rule)s") % {"rule": rule.name} if rule else _("No rule matched: default reviewer."),
    )


@transaction.atomic
def request_submit(
    *,
    organization: PartnerOrganization,
    submitted_by,
    activity_type: ActivityType,
    title: str,
    description: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    planned_cost: Decimal,
    requested_amount: Decimal,
    expected_leads: int = 0,
    expected_pipeline: Decimal = Decimal("0"),
    campaign=None,
    assets: str = "",
    allocation: Allocation | None = None,
) -> FundRequest:
    """Request funds for an activity from the organization's current
    allocation; routed by the pre-approval rules (possibly approved at once).
    Raises ``ValidationError`` by field, with nothing stored."""
    allocation = allocation or current_allocation(organization=organization)
    if allocation is None or allocation.organization_id != organization.pk:
        raise ValidationError(_("Your organization has no MDF allocation in a running program."))
    allocation = allocation_lock(allocation)
    if allocation.expired_at is not None:
        raise ValidationError(_("This allocation has expired; no new requests can be made against it."))
    fields = {
        "activity_type": activity_type,
        "title": title.strip(),
        "description": description.strip(),
        "starts_on": starts_on,
        "ends_on": ends_on,
        "planned_cost": planned_cost,
        "requested_amount": requested_amount,
        "expected_leads": expected_leads or 0,
        "expected_pipeline": expected_pipeline or Decimal("0"),
        "campaign": campaign,
        "assets": assets or "",
    }
    _validate(allocation, organization, fields)
    require_available(allocation, requested_amount, field="requested_amount")
    request = FundRequest(
        organization=organization,
        allocation=allocation,
        currency=allocation.program.currency,
        submitted_by=submitted_by,
        **fields,
    )
    request.full_clean(exclude=["allocation", "organization", "activity_type", "campaign"])
    request.save()
    record_event(
        request,
        MdfEventKind.SUBMITTED,
        actor=submitted_by,
        to_status=request.status,
        after={name: getattr(request, name) for name in REQUEST_FIELDS},
    )
    _route(request, actor=submitted_by)
    return request


def request_may_review(*, user, request: FundRequest) -> bool:
    """Vendor staff with the review permission who are the current reviewer
    (or in the reviewing group); superusers always."""
    if user is None or not user.is_active or not user.has_perm(REVIEW_PERMISSION):
        return False
    if user.is_superuser:
        return True
    if request.reviewer_user_id is not None:
        return request.reviewer_user_id == user.pk
    return request.reviewer_group_id is not None and user.groups.filter(pk=request.reviewer_group_id).exists()


def request_lock(request: FundRequest) -> FundRequest:
    return (
        FundRequest.objects.select_for_update(of=("self",))
        .select_related("organization", "allocation__program")
        .get(pk=request.pk)
    )


def require_status(request: FundRequest, statuses, message: str) -> None:
    if request.status not in statuses:
        raise ValidationError(message, code="status")


def _require_reviewer(request: FundRequest, actor) -> None:
    require_status(request, (RequestStatus.PENDING,), _("This request is not waiting for a review."))
    if not request_may_review(user=actor, request=request):
        raise ValidationError(_("You are not the reviewer of this step."), code="not_reviewer")


@transaction.atomic
def request_approve(*, request: FundRequest, actor, note: str = "") -> FundRequest:
    """Approve the current review step: on to the second approver group if the
    rule names one, else commit the funds (refused if the allocation no longer
    covers them)."""
    request = request_lock(request)
    _require_reviewer(request, actor)
    rule = request.approval_rule
    if request.review_step == 1 and rule is not None and rule.second_group_id:
        before = {
            "review_step": 1,
            "reviewer_user": request.reviewer_user_id,
            "reviewer_group": request.reviewer_group_id,
        }
        request.review_step = 2
        request.reviewer_user = None
        request.reviewer_group = rule.second_group
        request.waiting_since = timezone.now()
        request.escalated = False
        request.save()
        record_event(
            request,
            MdfEventKind.APPROVED_STEP,
            actor=actor,
            from_status=request.status,
            to_status=request.status,
            before=before,
            after={"review_step": 2, "reviewer_user": None, "reviewer_group": rule.second_group_id},
            note=note,
        )
        return request
    _approve(request, actor=actor, note=note)
    return request


@transaction.atomic
def request_reject(*, request: FundRequest, actor, reason: str) -> FundRequest:
    if not reason.strip():
        raise ValidationError({"reason": _("Give the partner a reason for the rejection.")})
    request = request_lock(request)
    _require_reviewer(request, actor)
    set_status(
        request,
        RequestStatus.REJECTED,
        MdfEventKind.REJECTED,
        request=request,
        actor=actor,
        partner_note=reason,
        decision_reason=reason,
        reviewer_user=None,
        reviewer_group=None,
        waiting_since=None,
    )
    notify_partner(request)
    return request


@transaction.atomic
def request_ask_changes(*, request: FundRequest, actor, reason: str) -> FundRequest:
    """Send the request back to the partner, who edits and resubmits it."""
    if not reason.strip():
        raise ValidationError({"reason": _("Tell the partner what to change.")})
    request = request_lock(request)
    _require_reviewer(request, actor)
    set_status(
        request,
        RequestStatus.CHANGES_REQUESTED,
        MdfEventKind.CHANGES_REQUESTED,
        request=request,
        actor=actor,
        partner_note=reason,
        decision_reason=reason,
        waiting_since=None,
    )
    notify_partner(request)
    return request


@transaction.atomic
def request_resubmit(*, request: FundRequest, actor, **changes) -> FundRequest:
    """The partner's edited request, validated like a new one and routed again."""
    request = request_lock(request)
    require_status(
        request, (RequestStatus.CHANGES_REQUESTED,), _("Only a request sent back for changes can be edited.")
    )
    allocation = allocation_lock(request.allocation)
    fields = {name: getattr(request, name) for name in REQUEST_FIELDS}
    fields.update({name: value for name, value in changes.items() if name in REQUEST_FIELDS})
    _validate(allocation, request.organization, fields)
    require_available(allocation, fields["requested_amount"], field="requested_amount")
    set_status(
        request,
        RequestStatus.PENDING,
        MdfEventKind.RESUBMITTED,
        request=request,
        actor=actor,
        decision_reason="",
        **fields,
    )
    _route(request, actor=actor)
    return request


@transaction.atomic
def request_cancel(*, request: FundRequest, actor, reason: str = "") -> FundRequest:
    """Withdraw a request not yet claimed; approved funds go back to the allocation."""
    request = request_lock(request)
    require_status(
        request,
        (RequestStatus.PENDING, RequestStatus.CHANGES_REQUESTED, RequestStatus.APPROVED),
        _("A request that has been claimed, decided or cancelled cannot be cancelled."),
    )
    if request.status == RequestStatus.APPROVED and request.committed_amount > 0:
        allocation = allocation_lock(request.allocation)
        ledger_write(
            allocation=allocation,
            kind=LedgerKind.RELEASED,
            amount=request.committed_amount,
            actor=actor,
            request=request,
            reason=reason or _("Request cancelled"),
        )
    set_status(
        request,
        RequestStatus.CANCELLED,
        MdfEventKind.CANCELLED,
        request=request,
        actor=actor,
        partner_note=reason,
        reviewer_user=None,
        reviewer_group=None,
        waiting_since=None,
    )
    return request


def _sla_hours(request: FundRequest) -> int:
    return request.approval_rule.sla_hours if request.approval_rule else DEFAULT_SLA_HOURS


@transaction.atomic
def request_escalate(*, request: FundRequest, now: datetime.datetime | None = None) -> bool:
    """Hand a step waiting beyond its SLA to the escalation group (once per step)."""
    now = now or timezone.now()
    request = request_lock(request)
    if request.status != RequestStatus.PENDING or request.escalated or request.waiting_since is None:
        return False
    if request.waiting_since + datetime.timedelta(hours=_sla_hours(request)) > now:
        return False
    rule = request.approval_rule
    group = (rule and rule.escalation_group) or _fallback_group()
    before = {"reviewer_user": request.reviewer_user_id, "reviewer_group": request.reviewer_group_id}
    request.reviewer_user = None
    request.reviewer_group = group
    request.escalated = True
    request.save()
    record_event(
        request,
        MdfEventKind.ESCALATED,
        from_status=request.status,
        to_status=request.status,
        before=before,
        after={"reviewer_user": None, "reviewer_group": group.pk if group else None},
        note=_("Waited more than %(hours)s hours.") % {"hours": _sla_hours(request)},
    )
    return True


def requests_escalate_overdue(*, now: datetime.datetime | None = None) -> int:
    """Escalate every review step waiting beyond its SLA; returns how many."""
    now = now or timezone.now()
    # The shortest SLA bounds the candidates; each is checked against its own rule.
    shortest = min([DEFAULT_SLA_HOURS, *ApprovalRule.objects.values_list("sla_hours", flat=True)])
    candidates = FundRequest.objects.filter(
        status=RequestStatus.PENDING, escalated=False, waiting_since__lte=now - datetime.timedelta(hours=shortest)
    ).values_list("pk", flat=True)
    return sum(request_escalate(request=FundRequest(pk=pk), now=now) for pk in candidates)


@transaction.atomic
def request_extend_claim_deadline(*, request: FundRequest, actor, until: datetime.date, reason: str) -> FundRequest:
    """An admin gives the partner more time to claim."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the extension.")})
    request = request_lock(request)
    require_status(request, (RequestStatus.APPROVED,), _("Only an approved, unclaimed request has a claim deadline."))
    if request.claim_deadline and until <= request.claim_deadline:
        raise ValidationError({"until": _("Choose a date after the current deadline.")})
    set_status(
        request,
        request.status,
        MdfEventKind.DEADLINE_EXTENDED,
        request=request,
        actor=actor,
        note=reason,
        partner_note=_("You can claim until %(date)s.") % {"date": date_format(until, "SHORT_DATE_FORMAT")},
        claim_deadline=until,
    )
    return request
