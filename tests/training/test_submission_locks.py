"""Submitting an assessment locks the attempt, not its course: partners of
different organizations taking one course's assessment at the same moment,
or channel ops publishing the course meanwhile, do not wait for each other.
The other session holds its lock as a concurrent request would."""

import pytest
from django.db import connection

from content.models import CoursePage
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.training import publish_course, right_answers
from tests.row_locks import row_locked_elsewhere
from training.services import assessment_start, assessment_submit

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def waits_at_most_five_seconds():
    """A lock wait fails this session after 5 s instead of hanging the test."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '5s'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


def technician():
    return PartnerUserFactory(organization=OrganizationFactory(), roles=["technical"])


def test_a_submission_does_not_wait_for_another_partners_on_the_same_course(home_page, waits_at_most_five_seconds):
    course = publish_course(home_page)
    first, second = (assessment_start(course=course, user=technician()) for _ in range(2))

    with row_locked_elsewhere(lambda: assessment_submit(attempt=first, answers=right_answers(first))):
        submitted = assessment_submit(attempt=second, answers=right_answers(second))

    assert submitted.passed is True
    first.refresh_from_db()
    assert first.passed is True


def test_a_submission_does_not_wait_while_the_course_page_is_being_saved(home_page, waits_at_most_five_seconds):
    course = publish_course(home_page)
    attempt = assessment_start(course=course, user=technician())

    with row_locked_elsewhere(lambda: CoursePage.objects.select_for_update().get(pk=course.pk)):
        submitted = assessment_submit(attempt=attempt, answers=right_answers(attempt))

    assert submitted.passed is True
