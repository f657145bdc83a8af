"""Certifications earned through courses and paths: the record (how, when,
expiry), the certificate and badge, the public verification page, the
effects on gated content and deal registration, reminders before expiry,
expiry and renewal (frozen time)."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from content.models import CoursePage
from content.rendering import pdf_text
from programs.models import EarnedThrough, Membership, PersonCertification
from support.models import Notification, NotificationCategory
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory
from tests.factories.content import publish_page
from tests.factories.deals import register_deal
from tests.factories.programs import ProductLineFactory
from tests.factories.training import certification_rule, publish_course, publish_path, right_answers
from training.models import CertificationEvent, CertificationEventKind, RenewalRule
from training.services import (
    assessment_start,
    assessment_submit,
    certifications_expire,
    certifications_send_reminders,
)

pytestmark = pytest.mark.django_db

EARNED = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pass_course(course, user):
    attempt = assessment_start(course=course, user=user)
    return assessment_submit(attempt=attempt, answers=right_answers(attempt))


@pytest.fixture
def organization():
    return OrganizationFactory(name="Northwind Storage")


@pytest.fixture
def technician(organization):
    return PartnerUserFactory(organization=organization, roles=["technical"], first_name="Tess", last_name="Tech")


@pytest.fixture
def owner(organization):
    return PartnerUserFactory(organization=organization, roles=["owner"], first_name="Olga")


@pytest.fixture
def certification():
    return CertificationFactory(
        code="storage-associate",
        name="Storage Associate",
        validity_months=12,
        product_line="storage",
        gates_deal_registration=True,
    )


@pytest.fixture
def path(home_page, certification):
    first = publish_course(home_page, title="Storage basics")
    second = publish_course(home_page, title="Replication", questions=[])
    path = publish_path(home_page, courses=[first, second])
    certification_rule(certification, path=path)
    return path


def complete_path(path, user):
    first, second = (step.course for step in path.path_courses.order_by("sort_order"))
    pass_course(first, user)
    client = signed_in(user)
    client.post(reverse("content:course_progress", args=[second.pk, "start"]))
    client.post(reverse("content:course_progress", args=[second.pk, "complete"]))


def test_completing_the_last_course_of_a_path_earns_its_certification_once(path, technician, organization):
    first = path.path_courses.order_by("sort_order").first().course
    pass_course(first, technician)
    assert not PersonCertification.objects.exists()

    with time_machine.travel(EARNED, tick=False):
        complete_path(path, technician)

    held = PersonCertification.objects.get()
    assert (held.user, held.organization, held.earned_through, held.earned_for) == (
        technician,
        organization,
        EarnedThrough.PATH,
        "Storage specialist",
    )
    assert held.earned_at == EARNED and held.expires_at.date() == datetime.date(2027, 3, 2)
    assert len(held.verification_code) == 12
    assert CertificationEvent.objects.get(held=held).kind == CertificationEventKind.EARNED
    # retaking the assessment long before expiry earns nothing more
    pass_course(first, technician)
    assert PersonCertification.objects.count() == 1


def test_the_certificate_names_the_person_and_the_expiry_and_the_badge_is_an_image(path, technician, owner):
    with time_machine.travel(EARNED, tick=False):
        complete_path(path, technician)
    held = PersonCertification.objects.get()
    client = signed_in(technician)

    home = client.get(reverse("training:home")).text
    assert "Storage Associate" in home and reverse("training:certificate", args=[held.pk]) in home
    pdf = client.get(reverse("training:certificate", args=[held.pk]))
    text = pdf_text(pdf.content)

    assert pdf["Content-Type"] == "application/pdf"
    assert "Tess Tech" in text and "Storage Associate" in text
    assert "Valid until March 2, 2027" in text and held.verification_code in text
    badge = client.get(reverse("training:badge", args=[held.pk]))
    assert badge["Content-Type"] == "image/png" and badge.content.startswith(b"\x89PNG")
    # the owner downloads the team's certificates; a colleague does not
    assert signed_in(owner).get(reverse("training:certificate", args=[held.pk])).status_code == 200
    colleague = PartnerUserFactory(organization=Membership.objects.get(user=owner).organization, roles=["sales"])
    assert signed_in(colleague).get(reverse("training:certificate", args=[held.pk])).status_code == 404


def test_the_public_verification_page_shows_only_name_certification_and_validity(path, technician):
    with time_machine.travel(EARNED, tick=False):
        complete_path(path, technician)
    held = PersonCertification.objects.get()

    with time_machine.travel(EARNED + datetime.timedelta(days=30), tick=False):
        page = Client().get(reverse("verify_certificate", args=[held.verification_code.lower()]))
    main = page.text[page.text.index("<main") : page.text.index("</main>")]

    assert page.status_code == 200
    assert "Tess Tech" in main and "Storage Associate" in main and "Valid until March 2, 2027" in main
    for private in (technician.email, "Northwind", "Storage specialist", "technical", "Olga"):
        assert private not in page.text
    with time_machine.travel(EARNED + datetime.timedelta(days=400), tick=False):
        later = Client().get(reverse("verify_certificate", args=[held.verification_code]))
    assert "Expired on March 2, 2027" in later.text
    unknown = Client().get(reverse("verify_certificate", args=["NOTACODE"]))
    assert unknown.status_code == 404 and "No certificate has this verification code" in unknown.text


def test_earning_unlocks_gated_content_and_deal_registration_and_expiry_takes_them_back(
    home_page, path, certification, technician, owner, organization
):
    gated = publish_page(
        home_page, CoursePage, title="Advanced replication lab", audience_certifications=[certification]
    )
    storage = ProductLineFactory(code="storage")
    with time_machine.travel(EARNED - datetime.timedelta(days=1), tick=False):
        client = signed_in(technician)
        assert client.get(gated.url).status_code == 404
        with pytest.raises(ValidationError, match="needs a current certification"):
            register_deal(organization, technician, product_lines=[storage])

    with time_machine.travel(EARNED, tick=False):
        complete_path(path, technician)
        assert client.get(gated.url).status_code == 200
        assert register_deal(organization, technician, product_lines=[storage]).pk

    expiry = PersonCertification.objects.get().expires_at
    with time_machine.travel(expiry + datetime.timedelta(hours=1), tick=False):
        assert certifications_expire() == 1
        assert certifications_expire() == 0
        client = signed_in(technician)  # a year on, the old session has ended
        assert client.get(gated.url).status_code == 404
        with pytest.raises(ValidationError, match="needs a current certification"):
            register_deal(organization, technician, product_lines=[storage])

    event = CertificationEvent.objects.get(kind=CertificationEventKind.EXPIRED)
    assert "Tier re-evaluated" in event.note and event.organization == organization
    told = Notification.objects.filter(category=NotificationCategory.CERTIFICATION, title__contains="has expired")
    assert set(told.values_list("recipient", flat=True)) == {technician.pk, owner.pk}


def test_reminders_go_60_30_and_7_days_before_expiry_to_the_person_and_owner_once(path, technician, owner):
    with time_machine.travel(EARNED, tick=False):
        complete_path(path, technician)
    expiry = PersonCertification.objects.get().expires_at

    with time_machine.travel(expiry - datetime.timedelta(days=75), tick=False) as traveller:
        for _day in range(75):
            certifications_send_reminders()
            certifications_send_reminders()  # beat ran twice: nothing more
            traveller.shift(datetime.timedelta(days=1))

    reminders = CertificationEvent.objects.filter(kind=CertificationEventKind.REMINDED)
    assert sorted(reminders.values_list("days_before", flat=True)) == [7, 30, 60]
    for person in (technician, owner):
        titles = Notification.objects.filter(recipient=person, category=NotificationCategory.CERTIFICATION)
        assert sorted(titles.values_list("title", flat=True)) == [
            "Storage Associate expires in 30 days",
            "Storage Associate expires in 60 days",
            "Storage Associate expires in 7 days",
        ]


def test_a_reminder_gives_the_expiry_date_in_each_recipients_language_and_time_zone(path, technician, owner):
    with time_machine.travel(EARNED, tick=False):
        complete_path(path, technician)
    Membership.objects.filter(user=technician).update(preferred_language="fr", time_zone="Asia/Tokyo")
    held = PersonCertification.objects.get()
    held.expires_at = datetime.datetime(2027, 3, 2, 20, 0, tzinfo=datetime.UTC)
    held.save(update_fields=["expires_at"])

    with time_machine.travel(held.expires_at - datetime.timedelta(days=30), tick=False):
        certifications_send_reminders()

    french = Notification.objects.get(recipient=technician, category=NotificationCategory.CERTIFICATION)
    assert french.title == "Storage Associate expire dans 30 jours"
    assert "expire le 3 mars 2027" in french.body
    english = Notification.objects.get(recipient=owner, category=NotificationCategory.CERTIFICATION)
    assert "expires on March 2, 2027" in english.body


def test_retaking_within_the_renewal_window_renews_from_the_old_expiry(path, technician):
    with time_machine.travel(EARNED, tick=False):
        complete_path(path, technician)
    first = PersonCertification.objects.get()
    course = path.path_courses.order_by("sort_order").first().course

    with time_machine.travel(first.expires_at - datetime.timedelta(days=20), tick=False):
        pass_course(course, technician)

    renewal = PersonCertification.objects.exclude(pk=first.pk).get()
    assert renewal.earned_through == EarnedThrough.RENEWAL
    # a year (365 days) on from the first record's expiry, not from the retake
    assert renewal.expires_at == first.expires_at + datetime.timedelta(days=365)
    assert CertificationEvent.objects.get(held=renewal).kind == CertificationEventKind.RENEWED
    # the first record's date passes without reminders or an expiry: the renewal carries on
    with time_machine.travel(first.expires_at + datetime.timedelta(hours=1), tick=False):
        assert certifications_expire() == 0
    assert not CertificationEvent.objects.filter(kind=CertificationEventKind.EXPIRED).exists()


def test_a_renewal_course_renews_only_a_certification_held_before(home_page, certification, technician):
    course = publish_course(home_page, title="Storage basics")
    refresher = publish_course(home_page, title="Storage refresher", questions=[])
    rule = certification_rule(certification, course=course, renewal_rule=RenewalRule.COURSE, renewal_course=refresher)
    newcomer = PartnerUserFactory(organization=OrganizationFactory(), roles=["technical"])
    for person in (technician, newcomer):
        client = signed_in(person)
        client.post(reverse("content:course_progress", args=[refresher.pk, "start"]))
        client.post(reverse("content:course_progress", args=[refresher.pk, "complete"]))
    assert not PersonCertification.objects.exists()

    with time_machine.travel(EARNED, tick=False):
        pass_course(course, technician)
    held = PersonCertification.objects.get()
    assert held.earned_through == EarnedThrough.COURSE
    with time_machine.travel(held.expires_at - datetime.timedelta(days=rule.renewal_window_days - 1), tick=False):
        signed_in(technician).post(reverse("content:course_progress", args=[refresher.pk, "complete"]))

    assert PersonCertification.objects.filter(user=technician, earned_through=EarnedThrough.RENEWAL).count() == 1
    assert not PersonCertification.objects.filter(user=newcomer).exists()


def test_a_rule_names_either_a_course_or_a_path(home_page, certification, path):
    course = publish_course(home_page, title="Storage basics 2")
    with pytest.raises(ValidationError, match="either the course or the learning path"):
        certification_rule(CertificationFactory(code="both"), course=course, path=path)
    with pytest.raises(ValidationError, match="renewal course"):
        certification_rule(CertificationFactory(code="no-renewal"), course=course, renewal_rule=RenewalRule.COURSE)
