"""Enrollments used to be kept per page: a person who read a course in English
and in French had two. The migration keys them by the course's translation
key and merges the two into one, keeping the earliest start and completion;
other people's and other courses' enrollments are kept as they were."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.content.localization import translate_page
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.training import publish_course

BEFORE = [("content", "0011_private_files")]


def _migrate(targets=None):
    """Migrate to ``targets``, or forward to the latest migrations (the state the rest of the suite expects)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _on(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, 9, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_course_read_in_two_languages_becomes_one_enrollment(home_page):
    course = publish_course(home_page, title="Storage basics")
    french = translate_page(course, "fr", {"Storage basics": "Les bases du stockage"})
    other_course = publish_course(home_page, title="Networking basics")
    organization = OrganizationFactory()
    technician = PartnerUserFactory(organization=organization, roles=["technical"])
    colleague = PartnerUserFactory(organization=organization, roles=["sales"])

    old = _migrate(BEFORE)
    Enrollment = old.get_model("content", "CourseEnrollment")

    def enroll(user, page, started, completed=None):
        return Enrollment.objects.create(
            organization_id=organization.pk,
            user_id=user.pk,
            course_id=page.pk,
            started_at=started,
            completed_at=completed,
        )

    # started in English, finished in French later; the French page was opened first
    in_english = enroll(technician, course, _on(10), _on(20))
    in_french = enroll(technician, french, _on(2), _on(25))
    elsewhere = enroll(technician, other_course, _on(5))
    colleagues = enroll(colleague, french, _on(12))

    new = _migrate()
    Enrollment = new.get_model("content", "CourseEnrollment")

    merged = Enrollment.objects.get(user_id=technician.pk, course_key=course.translation_key)
    assert merged.pk == in_french.pk and merged.course_id == french.pk
    assert merged.started_at == _on(2) and merged.completed_at == _on(20)
    assert not Enrollment.objects.filter(pk=in_english.pk).exists()
    assert Enrollment.objects.filter(user_id=technician.pk).count() == 2
    untouched = Enrollment.objects.get(pk=elsewhere.pk)
    assert untouched.course_key == other_course.translation_key and untouched.completed_at is None
    kept = Enrollment.objects.get(pk=colleagues.pk)
    assert kept.course_key == course.translation_key and kept.started_at == _on(12)
