"""SLA clocks run in business hours, pause while waiting on the partner, and
the Platinum tier gets its own faster target; breaches escalate by beat."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group

from support.models import CaseStatus, EscalationLevel, SupportHoliday, SupportSettings
from support.selectors import case_sla_summary
from support.services.cases import case_reply, case_set_status
from support.services.escalation import cases_escalate_breached
from support.sla import BusinessCalendar
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.support import SlaTargetFactory, open_case

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture(autouse=True)
def business_hours():
    settings = SupportSettings.load()
    settings.business_time_zone = "Europe/Paris"
    settings.business_day_start = time(9)
    settings.business_day_end = time(17)
    settings.working_days = "12345"
    settings.save()
    return settings


def at(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


def test_business_time_skips_nights_weekends_and_holidays():
    SupportHoliday.objects.create(date=date(2026, 3, 9), name="Company day")
    calendar = BusinessCalendar.load()

    # Friday 15:00 + 4 business hours: 2 on Friday, Monday is a holiday, 2 on Tuesday.
    assert calendar.add(at(6, 15), timedelta(hours=4)) == at(10, 11)
    # Saturday counts nothing.
    assert calendar.add(at(7, 12), timedelta(hours=1)) == at(10, 10)
    assert calendar.between(at(6, 16), at(10, 10)) == timedelta(hours=2)


def test_the_platinum_tier_gets_its_faster_target(time_machine):
    platinum = TierFactory(name="Platinum")
    SlaTargetFactory(priority="high", tier=None, first_response_hours=Decimal("8"), resolution_hours=Decimal("24"))
    SlaTargetFactory(priority="high", tier=platinum, first_response_hours=Decimal("2"), resolution_hours=Decimal("8"))
    time_machine.move_to(at(2, 10), tick=False)  # Monday 10:00 Paris

    gold_case = open_case(OrganizationFactory(), PartnerUserFactory(), priority="high")
    platinum_org = OrganizationFactory(tier=platinum)
    platinum_case = open_case(platinum_org, PartnerUserFactory(organization=platinum_org), priority="high")

    # 7 h on Monday, 1 h on Tuesday.
    assert gold_case.first_response_due_at == at(3, 10)
    assert platinum_case.first_response_due_at == at(2, 12)
    assert platinum_case.resolution_due_at == at(3, 10)


def test_the_partner_sees_the_time_left(time_machine):
    SlaTargetFactory(priority="normal", first_response_hours=Decimal("4"))
    time_machine.move_to(at(2, 9), tick=False)
    case = open_case(OrganizationFactory(), PartnerUserFactory())
    time_machine.move_to(at(2, 10), tick=False)

    assert case_sla_summary(case=case)["text"] == "First answer due in 3 h"
    time_machine.move_to(at(2, 14), tick=False)
    summary = case_sla_summary(case=case)
    assert summary["breached"] and summary["text"] == "First answer overdue: we are on it"


def test_waiting_on_the_partner_pauses_the_resolution_clock(time_machine):
    SlaTargetFactory(priority="normal", first_response_hours=Decimal("1"), resolution_hours=Decimal("8"))
    agent = UserFactory()
    time_machine.move_to(at(2, 9), tick=False)
    case = open_case(OrganizationFactory(), PartnerUserFactory())
    assert case.resolution_due_at == at(2, 17)
    case_reply(case=case, author=agent, body="Which version?")
    time_machine.move_to(at(2, 10), tick=False)
    case_set_status(case=case, actor=agent, status=CaseStatus.WAITING_ON_PARTNER)
    case.refresh_from_db()
    assert case_sla_summary(case=case)["text"] == "Paused while we wait for your reply"

    # The partner answers the next morning at 11:00: 7 + 2 business hours paused.
    time_machine.move_to(at(3, 11), tick=False)
    case_set_status(case=case, actor=agent, status=CaseStatus.OPEN)

    case.refresh_from_db()
    assert case.sla_paused_at is None
    assert case.resolution_due_at == at(4, 10)
    resumed = case.events.filter(kind="status").last()
    assert "resolution_due_at" in resumed.before and "resolution_due_at" in resumed.after


def test_a_breach_reaches_the_cam_then_the_escalation_group(time_machine, business_hours):
    SlaTargetFactory(priority="urgent", first_response_hours=Decimal("1"), resolution_hours=Decimal("4"))
    cam = UserFactory(email="cam@vendor.example")
    escalations = Group.objects.create(name="Support leads")
    lead = UserFactory(email="lead@vendor.example")
    lead.groups.add(escalations)
    business_hours.escalation_group = escalations
    business_hours.group_escalation_after_hours = 2
    business_hours.save()
    organization = OrganizationFactory(channel_account_manager=cam)
    time_machine.move_to(at(2, 9), tick=False)
    case = open_case(organization, PartnerUserFactory(organization=organization), priority="urgent")

    time_machine.move_to(at(2, 9, 59), tick=False)
    assert cases_escalate_breached() == 0

    time_machine.move_to(at(2, 10, 1), tick=False)
    assert cases_escalate_breached() == 1
    assert cases_escalate_breached() == 0  # idempotent
    case.refresh_from_db()
    assert case.escalation_level == EscalationLevel.CAM
    assert list(cam.notifications.values_list("title", flat=True)) == [
        f"SLA breached on case #{case.pk} ({organization.name}): {case.subject}"
    ]
    assert not lead.notifications.exists()

    time_machine.move_to(at(2, 12, 2), tick=False)
    assert cases_escalate_breached() == 1
    case.refresh_from_db()
    assert case.escalation_level == EscalationLevel.GROUP
    assert lead.notifications.count() == 1
    assert case.events.filter(kind="escalated").count() == 2
    assert [event.actor for event in case.events.filter(kind="escalated")] == [None, None]


def test_a_paused_or_answered_case_does_not_escalate(time_machine):
    SlaTargetFactory(priority="normal", first_response_hours=Decimal("1"), resolution_hours=Decimal("40"))
    organization = OrganizationFactory(channel_account_manager=UserFactory())
    time_machine.move_to(at(2, 9), tick=False)
    case = open_case(organization, PartnerUserFactory(organization=organization))
    case_reply(case=case, author=UserFactory(), body="Hello")
    time_machine.move_to(at(2, 15), tick=False)
    assert cases_escalate_breached() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_beat_task_escalates_on_a_real_worker(celery_worker, wait_for):
    from portal.celery import app

    assert "support.tasks.escalate_breached_cases" in {entry["task"] for entry in app.conf.beat_schedule.values()}
    SlaTargetFactory(priority="urgent", first_response_hours=Decimal("1"), resolution_hours=Decimal("4"))
    cam = UserFactory(email="cam@vendor.example")
    organization = OrganizationFactory(channel_account_manager=cam)
    case = open_case(organization, PartnerUserFactory(organization=organization), priority="urgent")
    from support.models import Case

    Case.objects.filter(pk=case.pk).update(first_response_due_at=case.opened_at - timedelta(minutes=1))

    from support.tasks import escalate_breached_cases

    escalate_breached_cases.delay()

    wait_for(
        lambda: Case.objects.filter(pk=case.pk, escalation_level=EscalationLevel.CAM).exists(),
        message="the case escalated to the CAM",
    )
    assert cam.notifications.count() == 1
