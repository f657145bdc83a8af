"""Pre-approval: ordered rules route a request; review steps, changes and
escalation after the SLA are recorded with who and when."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from mdf.models import ApprovalAction, MdfEventKind, RequestStatus, ReviewerKind
from mdf.selectors import allocation_balance
from mdf.services.requests import (
    request_approve,
    request_ask_changes,
    request_reject,
    request_resubmit,
    requests_escalate_overdue,
)
from tests.factories import OrganizationFactory, TierFactory, UserFactory
from tests.factories.mdf import ActivityTypeFactory, ApprovalRuleFactory, allocated, submit_request

pytestmark = pytest.mark.django_db


def staff(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def cam():
    user = staff("Channel account managers")
    return user


@pytest.fixture
def rules():
    """Small standard requests approve themselves; larger ones go to the CAM;
    above 5,000 Finance approves after the CAM."""
    webinar = ActivityTypeFactory(code="webinar")
    small = ApprovalRuleFactory(name="Small webinars", max_amount=Decimal("1000"), action=ApprovalAction.AUTO_APPROVE)
    small.activity_types.add(webinar)
    small.save()  # parental many-to-many fields are stored on save
    large = ApprovalRuleFactory(
        name="Large",
        min_amount=Decimal("5000.01"),
        action=ApprovalAction.REVIEW,
        first_reviewer=ReviewerKind.CAM,
        second_group=Group.objects.get(name="Finance"),
        sla_hours=24,
    )
    standard = ApprovalRuleFactory(name="Standard", action=ApprovalAction.REVIEW, sla_hours=48)
    return {"small": small, "large": large, "standard": standard, "webinar": webinar}


def test_a_small_standard_request_is_approved_at_once(rules):
    organization = OrganizationFactory()
    allocated(organization)
    request = submit_request(organization, activity_type=rules["webinar"], requested_amount=Decimal("800.00"))
    assert request.status == RequestStatus.APPROVED
    assert request.approval_rule == rules["small"]
    assert request.claim_deadline == request.ends_on + datetime.timedelta(days=30)
    assert [event.kind for event in request.events.all()] == [MdfEventKind.SUBMITTED, MdfEventKind.APPROVED]


def test_a_trade_show_of_the_same_amount_goes_to_the_cam(rules, cam):
    organization = OrganizationFactory(channel_account_manager=cam)
    allocation = allocated(organization)
    request = submit_request(
        organization, activity_type=ActivityTypeFactory(code="trade-show"), requested_amount=Decimal("800.00")
    )
    assert request.status == RequestStatus.PENDING
    assert request.approval_rule == rules["standard"]
    assert request.reviewer_user == cam
    assert allocation_balance(allocation=allocation).available == Decimal("10000.00")

    request_approve(request=request, actor=cam, note="Good plan")
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    approved = request.events.get(kind=MdfEventKind.APPROVED)
    assert approved.actor == cam and approved.from_status == "pending" and approved.to_status == "approved"
    assert allocation_balance(allocation=allocation).available == Decimal("9200.00")


def test_a_large_request_needs_the_cam_then_finance(rules, cam):
    organization = OrganizationFactory(channel_account_manager=cam)
    allocated(organization)
    request = submit_request(organization, planned_cost=Decimal("16000"), requested_amount=Decimal("8000.00"))
    assert request.approval_rule == rules["large"] and request.reviewer_user == cam

    other_cam = staff("Channel account managers")
    with pytest.raises(ValidationError, match="not the reviewer"):
        request_approve(request=request, actor=other_cam)

    request_approve(request=request, actor=cam)
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and request.review_step == 2
    assert request.reviewer_group.name == "Finance"
    with pytest.raises(ValidationError, match="not the reviewer"):
        request_approve(request=request, actor=cam)

    finance = staff("Finance")
    request_approve(request=request, actor=finance)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED and request.committed_amount == Decimal("8000.00")
    kinds = [(event.kind, event.actor) for event in request.events.all()]
    assert kinds == [
        (MdfEventKind.SUBMITTED, None),
        (MdfEventKind.ROUTED, None),
        (MdfEventKind.APPROVED_STEP, cam),
        (MdfEventKind.APPROVED, finance),
    ]


def test_rules_match_tier_partner_type_and_region(rules, cam):
    gold = TierFactory(name="Gold")
    for_gold = ApprovalRuleFactory(name="Gold partners", sort_order=0, action=ApprovalAction.AUTO_APPROVE)
    for_gold.tiers.add(gold)
    for_gold.save()
    gold_partner = OrganizationFactory(tier=gold)
    allocated(gold_partner)
    assert submit_request(gold_partner, requested_amount=Decimal("1500")).approval_rule == for_gold
    other = OrganizationFactory(channel_account_manager=cam)
    allocated(other)
    assert submit_request(other, requested_amount=Decimal("1500")).approval_rule == rules["standard"]


def test_ask_for_changes_then_resubmit_then_reject(rules, cam):
    organization = OrganizationFactory(channel_account_manager=cam)
    allocated(organization)
    request = submit_request(organization, activity_type=ActivityTypeFactory(code="event"))
    request_ask_changes(request=request, actor=cam, reason="Add the agenda")
    request.refresh_from_db()
    assert request.status == RequestStatus.CHANGES_REQUESTED and request.decision_reason == "Add the agenda"

    request_resubmit(request=request, actor=None, description="Agenda: storage, backup, Q&A")
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING and request.reviewer_user == cam
    resubmitted = request.events.get(kind=MdfEventKind.RESUBMITTED)
    assert resubmitted.before["description"] == "A webinar for 200 IT managers."
    assert resubmitted.after["description"] == "Agenda: storage, backup, Q&A"

    with pytest.raises(ValidationError):
        request_reject(request=request, actor=cam, reason="")
    request_reject(request=request, actor=cam, reason="Not in our target market")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert request.events.get(kind=MdfEventKind.REJECTED).partner_note == "Not in our target market"


def test_a_review_waiting_beyond_its_sla_is_escalated_once(rules, cam):
    organization = OrganizationFactory(channel_account_manager=cam)
    allocated(organization)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = submit_request(organization, activity_type=ActivityTypeFactory(code="event"))
    assert requests_escalate_overdue(now=start + datetime.timedelta(hours=47)) == 0
    with time_machine.travel(start + datetime.timedelta(hours=49), tick=False):
        assert requests_escalate_overdue() == 1
        assert requests_escalate_overdue() == 0
    request.refresh_from_db()
    assert request.escalated and request.reviewer_user is None
    assert request.reviewer_group.name == "Channel ops"
    assert request.events.filter(kind=MdfEventKind.ESCALATED).count() == 1
    # The CAM no longer reviews it; channel ops do.
    with pytest.raises(ValidationError):
        request_approve(request=request, actor=cam)
    ops = staff("Channel ops")
    request_approve(request=request, actor=ops)
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED


def test_the_shorter_sla_of_a_rule_is_used(rules, cam):
    organization = OrganizationFactory(channel_account_manager=cam)
    allocated(organization)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request = submit_request(organization, planned_cost=Decimal("16000"), requested_amount=Decimal("6000"))
    assert request.approval_rule == rules["large"]
    assert requests_escalate_overdue(now=start + datetime.timedelta(hours=25)) == 1


def test_reviewing_needs_the_review_permission(rules, cam):
    organization = OrganizationFactory(channel_account_manager=cam)
    allocated(organization)
    request = submit_request(organization, activity_type=ActivityTypeFactory(code="event"))
    cam.groups.clear()
    cam.user_permissions.remove(*Permission.objects.filter(codename="review_fundrequest"))
    cam = type(cam).objects.get(pk=cam.pk)
    with pytest.raises(ValidationError):
        request_approve(request=request, actor=cam)
