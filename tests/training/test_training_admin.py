"""Channel ops configure certification rules in the admin; a CAM reads the
course progress, upcoming expiries, attempts and certification history of
their portfolio only."""

import csv
import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from content.services import course_complete, course_start
from programs.services.certifications import certification_record
from tests.content.localization import translate_page
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory, UserFactory
from tests.factories.training import certification_rule, publish_course, publish_path
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


def test_a_cam_sees_course_progress_per_organization_and_course_of_their_portfolio(home_page):
    cam, client = staff_in("Channel account managers", "cam")
    mine = OrganizationFactory(name="Portfolio Partner", channel_account_manager=cam)
    theirs = OrganizationFactory(name="Someone Elses Partner")
    storage = publish_course(home_page, title="Storage basics", questions=[])
    french_storage = translate_page(storage, "fr", {"Storage basics": "Les bases du stockage"})
    networking = publish_course(home_page, title="Networking basics", questions=[])
    network_path = publish_path(home_page, title="Network specialist", courses=[networking])
    certification_rule(CertificationFactory(code="network", name="Network Specialist"), path=network_path)
    alice, bob, carol, eve = (PartnerUserFactory(organization=mine, roles=["technical"]) for _ in range(4))
    dave = PartnerUserFactory(organization=theirs, roles=["technical"])

    # carol finished the storage course before it granted a certification
    course_start(course=storage, user=carol)
    course_complete(course=storage, user=carol)
    certification_rule(CertificationFactory(code="storage", name="Storage Associate"), course=storage)
    course_start(course=storage, user=alice)
    course_complete(course=storage, user=alice)
    course_start(course=french_storage, user=bob)
    course_start(course=networking, user=eve)
    course_complete(course=networking, user=eve)
    course_start(course=storage, user=dave)

    page = client.get("/admin/reports/course-progress/")
    export = client.get("/admin/reports/course-progress/?export=csv")

    assert page.status_code == 200 and "Portfolio Partner" in page.text and "Storage basics" in page.text
    assert "Someone Elses Partner" not in page.text and "Les bases du stockage" not in page.text
    rows = list(csv.reader(b"".join(export.streaming_content).decode("utf-8-sig").splitlines()))
    assert rows == [
        ["Organization", "Course", "Enrolled", "In progress", "Completed", "Certified"],
        ["Portfolio Partner", "Networking basics", "1", "0", "1", "1"],
        ["Portfolio Partner", "Storage basics", "3", "1", "2", "1"],
    ]
    assert "/admin/reports/course-progress/" in client.get("/admin/").text
