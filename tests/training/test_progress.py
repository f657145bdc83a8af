"""Progress per person and course: resume at the last lesson, one enrollment
whichever language the course is read in, path progress, and owners see
their team's progress."""

import pytest
from django.test import Client
from django.urls import reverse

from content.models import CourseEnrollment
from programs.models import Membership
from tests.content.localization import translate_page
from tests.factories import CertificationFactory, OrganizationFactory, PartnerUserFactory
from tests.factories.training import publish_course, publish_path, right_answers
from training.services import assessment_start, assessment_submit

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def course(home_page):
    return publish_course(home_page, lessons=("Disks", "Arrays", "Snapshots"))


@pytest.fixture
def technician():
    return PartnerUserFactory(organization=OrganizationFactory(), roles=["technical"])


def lesson_url(course, number):
    return reverse("content:course_lesson", args=[course.pk, number])


def test_a_partner_resumes_at_the_last_lesson_they_opened(course, technician):
    client = signed_in(technician)
    assert "Start the course" in client.get(course.url).text

    first = client.get(lesson_url(course, 1))
    assert "Lesson 1 of 3" in first.text and lesson_url(course, 2) in first.text
    client.get(lesson_url(course, 2))

    page = client.get(course.url).text
    assert "Resume at lesson 2" in page and f'href="{lesson_url(course, 2)}"' in page
    assert CourseEnrollment.objects.get(user=technician).last_lesson == 2
    # the last lesson leads to the assessment
    assert reverse("training:assessment", args=[course.pk]) in client.get(lesson_url(course, 3)).text
    assert client.get(lesson_url(course, 4)).status_code == 404


def test_the_french_course_is_the_same_course_as_the_english_one(course, technician):
    french = translate_page(course, "fr", {"Storage basics": "Les bases du stockage", "Disks": "Disques"})
    client = signed_in(technician)

    client.get(reverse("content:course_lesson", args=[french.pk, 2]))
    english_page = client.get(course.url).text

    assert "Resume at lesson 2" in english_page
    enrollment = CourseEnrollment.objects.get(user=technician)
    assert enrollment.course_key == course.translation_key and enrollment.course_id == french.pk

    # passing the assessment on the English page completes the French course too
    attempt = assessment_start(course=course, user=technician)
    assessment_submit(attempt=attempt, answers=right_answers(attempt))
    assert CourseEnrollment.objects.filter(user=technician).count() == 1
    listing = client.get("/fr" + reverse("content:courses")).text
    assert f'href="{french.url}">Les bases du stockage</a>\n        <span class="badge success">' in listing


def test_a_learning_path_shows_progress_and_leads_to_the_next_course(home_page, course, technician):
    second = publish_course(home_page, title="Replication", questions=[])
    path = publish_path(home_page, courses=[course, second])
    client = signed_in(technician)

    page = client.get(path.url).text
    assert "0 of 2 courses done" in page and "Start the path" in page

    attempt = assessment_start(course=course, user=technician)
    assessment_submit(attempt=attempt, answers=right_answers(attempt))

    page = client.get(path.url).text
    assert "1 of 2 courses done" in page and "Continue with the next course" in page
    assert f'class="button continue" href="{second.url}"' in page
    assert "1 of 2 courses done" in client.get(reverse("training:home")).text
    assert "Storage specialist" in client.get("/dashboard/").text


def test_a_partner_sees_only_the_paths_and_path_courses_their_role_may_read(home_page, course, technician):
    sales_only = publish_course(home_page, title="Selling replication", questions=[], audience_roles=["sales"])
    publish_path(home_page, title="Storage sales track", courses=[course], audience_roles=["sales"])
    mixed = publish_path(home_page, title="Storage specialist", courses=[course, sales_only])
    client = signed_in(technician)

    training = client.get(reverse("training:home")).text
    assert "Storage specialist" in training
    assert "Storage sales track" not in training and "Selling replication" not in training
    page = client.get(mixed.url).text
    assert "Storage basics" in page and "Selling replication" not in page
    assert client.get(sales_only.url).status_code == 404

    attempt = assessment_start(course=course, user=technician)
    assessment_submit(attempt=attempt, answers=right_answers(attempt))
    page = client.get(mixed.url).text
    assert "1 of 2 courses done" in page and "You have completed this path." not in page

    seller = signed_in(PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"]))
    assert "Selling replication" in seller.get(mixed.url).text
    assert "Storage sales track" in seller.get(reverse("training:home")).text


def test_owners_see_their_teams_progress_and_others_do_not(course, technician):
    organization = Membership.objects.get(user=technician).organization
    owner = PartnerUserFactory(organization=organization, roles=["owner"], first_name="Olga", last_name="Owner")
    stranger = PartnerUserFactory(organization=OrganizationFactory(), roles=["technical"], first_name="Sam")
    for person in (technician, stranger):
        attempt = assessment_start(course=course, user=person)
        assessment_submit(attempt=attempt, answers=right_answers(attempt))
    CertificationFactory(code="storage", name="Storage Associate")

    page = signed_in(owner).get(reverse("training:team")).text

    assert technician.get_full_name() in page and "Olga Owner" in page
    assert "1 completed of 1 started" in page
    assert "Sam" not in page
    assert signed_in(technician).get(reverse("training:team")).status_code == 404
