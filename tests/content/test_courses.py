"""Partners start and complete courses in the portal; the first course
started ticks off the onboarding step; audience rules decide who may take a
course; CAMs read their portfolio's training progress in the admin."""

import pytest
from django.test import Client
from django.urls import reverse

from content.models import CourseEnrollment, CoursePage
from programs.models import OrganizationStatus
from tests.factories import OrganizationFactory, PartnerUserFactory, TierFactory, UserFactory
from tests.factories.content import publish_page
from tests.programs.test_dashboard import checklist_step

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tiers():
    return {"silver": TierFactory(name="Silver"), "gold": TierFactory(name="Gold")}


@pytest.fixture
def courses(home_page, tiers):
    return {
        "basics": publish_page(home_page, CoursePage, title="Storage basics", duration_minutes=30),
        "gold": publish_page(home_page, CoursePage, title="Gold architecture lab", audience_tiers=[tiers["gold"]]),
    }


def progress_url(course, step):
    return reverse("content:course_progress", args=[course.pk, step])


def test_starting_the_first_course_ticks_off_onboarding_and_completing_it_is_recorded(courses, tiers):
    organization = OrganizationFactory(status=OrganizationStatus.ONBOARDING, tier=tiers["silver"])
    client = signed_in(PartnerUserFactory(organization=organization, roles=["technical"]))
    step = "Start your first course"
    before = checklist_step(client.get("/dashboard/").text, step)
    assert f'<a href="{reverse("content:courses")}">{step}</a>' in before
    course = courses["basics"]
    assert "Start the course" in client.get(course.url).text

    response = client.post(progress_url(course, "start"))

    assert response.status_code == 302 and response["Location"] == course.url
    enrollment = CourseEnrollment.objects.get(course=course)
    assert enrollment.organization == organization and enrollment.completed_at is None
    assert checklist_step(client.get("/dashboard/").text, step).startswith('<li class="done">')
    organization.refresh_from_db()
    assert organization.first_action_at is not None
    assert "Mark as complete" in client.get(course.url).text

    client.post(progress_url(course, "start"))
    client.post(progress_url(course, "complete"))

    enrollment = CourseEnrollment.objects.get(course=course)
    assert enrollment.started_at <= enrollment.completed_at
    assert "Completed on" in client.get(course.url).text
    assert "Completed" in client.get(reverse("content:courses")).text


def test_completing_a_course_not_started_is_refused_and_stores_nothing(courses):
    client = signed_in(PartnerUserFactory(organization=OrganizationFactory(), roles=["sales"]))

    response = client.post(progress_url(courses["basics"], "complete"), follow=True)

    assert "Start the course before marking it complete." in response.text
    assert not CourseEnrollment.objects.exists()
    assert client.post(progress_url(courses["basics"], "skip")).status_code == 404


def test_a_course_outside_the_partners_audience_cannot_be_seen_or_started(courses, tiers):
    silver = signed_in(PartnerUserFactory(organization=OrganizationFactory(tier=tiers["silver"]), roles=["sales"]))
    gold = signed_in(PartnerUserFactory(organization=OrganizationFactory(tier=tiers["gold"]), roles=["sales"]))

    assert silver.get(courses["gold"].url).status_code == 404
    assert silver.post(progress_url(courses["gold"], "start")).status_code == 404
    assert "Gold architecture lab" not in silver.get(reverse("content:courses")).text
    assert "Gold architecture lab" in gold.get(reverse("content:courses")).text
    assert gold.post(progress_url(courses["gold"], "start")).status_code == 302
    assert list(CourseEnrollment.objects.values_list("course__title", flat=True)) == ["Gold architecture lab"]


def test_vendor_staff_do_not_enrol(courses, vendor_staff):
    assert signed_in(vendor_staff).post(progress_url(courses["basics"], "start")).status_code == 404
    assert not CourseEnrollment.objects.exists()


def test_a_cam_reads_the_training_progress_of_their_portfolio_only(courses):
    from django.contrib.auth.models import Group

    cam = UserFactory(username="cam", is_staff=True)
    cam.groups.add(Group.objects.get(name="Channel account managers"))
    mine = OrganizationFactory(name="Portfolio Partner", channel_account_manager=cam)
    theirs = OrganizationFactory(name="Someone Elses Partner")
    for organization in (mine, theirs):
        user = PartnerUserFactory(organization=organization, roles=["sales"])
        signed_in(user).post(progress_url(courses["basics"], "start"))
    assert CourseEnrollment.objects.count() == 2

    listing = signed_in(cam).get("/admin/snippets/content/courseenrollment/")

    assert listing.status_code == 200
    assert "Portfolio Partner" in listing.text and "Someone Elses Partner" not in listing.text
