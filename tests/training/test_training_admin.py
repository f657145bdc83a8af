"""Channel ops configure certification rules in the admin; a CAM reads the
upcoming expiries, attempts and certification history of their portfolio only."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from programs.services.certifications import certification_record
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.training import publish_course
from training.models import CertificationRule
from training.services import assessment_start

pytestmark = pytest.mark.django_db


def staff_in(group_name: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    client = Client()
    client.force_login(user)
    return user, client


def test_a_cam_sees_upcoming_expiries_and_attempts_of_their_portfolio_only(home_page):
    cam, client = staff_in("Channel account managers", "cam")
    mine = OrganizationFactory(name="Portfolio Partner", channel_account_manager=cam)
    theirs = OrganizationFactory(name="Someone Elses Partner")
    certification = CertificationFactory(code="storage", name="Storage Associate", validity_months=12)
    course = publish_course(home_page)
    for organization in (mine, theirs):
        person = PartnerUserFactory(organization=organization, roles=["technical"])
        certification_record(
            organization=organization,
            user=person,
            certification=certification,
            earned_at=timezone.now() - datetime.timedelta(days=320),
        )
        assessment_start(course=course, user=person)

    expiries = client.get("/admin/reports/certification-expiries/")
    attempts = client.get("/admin/snippets/training/assessmentattempt/")

    assert expiries.status_code == 200 and attempts.status_code == 200
    assert "Portfolio Partner" in expiries.text and "Someone Elses Partner" not in expiries.text
    assert "Portfolio Partner" in attempts.text and "Someone Elses Partner" not in attempts.text


def test_channel_ops_configure_a_certification_rule(home_page):
    _ops, client = staff_in("Channel ops", "ops")
    certification = CertificationFactory(code="storage", name="Storage Associate")
    course = publish_course(home_page)

    refused = client.post(
        "/admin/snippets/training/certificationrule/add/",
        {"certification": certification.pk, "renewal_rule": "retake", "renewal_window_days": 60},
    )
    assert refused.status_code == 200 and "Choose either the course or the learning path" in refused.text
    assert not CertificationRule.objects.exists()

    client.post(
        "/admin/snippets/training/certificationrule/add/",
        {"certification": certification.pk, "course": course.pk, "renewal_rule": "retake", "renewal_window_days": 60},
    )
    assert CertificationRule.objects.get().course == course
