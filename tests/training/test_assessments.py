"""Assessments: scoring of single-choice and multi-select questions at the
pass-mark edges, order drawn per attempt, attempts with a cool-down (frozen
time), and correct answers never sent to the browser before submission."""

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from content.models import CourseEnrollment
from programs.models import Membership
from tests.factories import OrganizationFactory, PartnerUserFactory
from tests.factories.training import (
    answers_with_wrong,
    post_answers,
    publish_course,
    right_answers,
)
from training.models import AssessmentAttempt
from training.services import assessment_passes, assessment_start, assessment_submit

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def course(home_page):
    return publish_course(home_page, pass_mark_percent=80, max_attempts=2, cooldown_hours=24)


@pytest.fixture
def technician():
    return PartnerUserFactory(organization=OrganizationFactory(), roles=["technical"])


@pytest.mark.parametrize(
    ("wrong", "passed", "score"),
    [(0, True, 100), (1, True, 80), (2, False, 60)],
    ids=["all right", "exactly the pass mark", "just below"],
)
def test_an_attempt_passes_from_the_pass_mark_up(course, technician, wrong, passed, score):
    attempt = assessment_start(course=course, user=technician)

    attempt = assessment_submit(attempt=attempt, answers=answers_with_wrong(attempt, wrong))

    assert (attempt.passed, attempt.score_percent, attempt.correct_count) == (passed, score, 5 - wrong)
    completed = CourseEnrollment.objects.get(user=technician).completed_at
    assert (completed is not None) is passed


def test_the_pass_mark_compares_whole_numbers():
    # 2 of 3 is 66.66 %: a 67 % pass mark is not reached, 66 % is.
    assert not assessment_passes(correct_count=2, question_count=3, pass_mark_percent=67)
    assert assessment_passes(correct_count=2, question_count=3, pass_mark_percent=66)


def test_a_multi_select_question_counts_only_with_exactly_the_correct_answers(course, technician):
    attempt = assessment_start(course=course, user=technician)
    answers = right_answers(attempt)
    # question 2 (position 1): iSCSI and Fibre Channel are right; NFS is not.
    answers[1] = [0]  # one right answer missing
    answers[4] = [0, 1, 2]  # one wrong answer too many

    attempt = assessment_submit(attempt=attempt, answers=answers)

    assert attempt.correct_count == 3 and attempt.passed is False


def test_unanswered_questions_and_two_answers_to_a_single_choice_question_are_refused_and_nothing_is_stored(
    course, technician
):
    attempt = assessment_start(course=course, user=technician)
    answers = right_answers(attempt)
    answers[0] = [0, 1]
    del answers[2]

    with pytest.raises(ValidationError) as refused:
        assessment_submit(attempt=attempt, answers=answers)

    shown_number = {position: number for number, (position, _c) in enumerate(attempt.order, start=1)}
    assert f"question {shown_number[2]} has no answer yet" in " ".join(refused.value.messages)
    assert f"Choose one answer for question {shown_number[0]}" in " ".join(refused.value.messages)
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.answers == {}


def test_each_attempt_draws_its_own_order_and_an_open_attempt_is_resumed_as_drawn(course, technician):
    first = assessment_start(course=course, user=technician)
    assert assessment_start(course=course, user=technician).order == first.order
    assert sorted(position for position, _choices in first.order) == [0, 1, 2, 3, 4]
    orders = {str(first.order)}
    for _round in range(6):
        attempt = AssessmentAttempt.objects.filter(user=technician, submitted_at__isnull=True).get()
        assessment_submit(attempt=attempt, answers=right_answers(attempt))
        orders.add(str(assessment_start(course=course, user=technician).order))
    # 5! question orders times the answer orders: seven equal draws would be a broken shuffle
    assert len(orders) > 1


def test_the_page_never_contains_the_correct_answers_before_submission(course, technician):
    client = signed_in(technician)
    response = client.post(reverse("training:assessment", args=[course.pk]))
    attempt = AssessmentAttempt.objects.get(user=technician)
    assert response["Location"] == reverse("training:attempt", args=[attempt.pk])

    html = client.get(response["Location"]).text

    assert "Which RAID level mirrors two disks?" in html and "Fibre Channel" in html
    assert "correct" not in html.lower().replace("every correct answer", "")
    # the order shown is the attempt's
    shown = [html.index(f'name="q{position}"') for position, _choices in attempt.order]
    assert shown == sorted(shown)


def test_a_partner_submits_answers_sees_the_score_and_an_error_keeps_the_ticks(course, technician):
    client = signed_in(technician)
    client.post(reverse("training:assessment", args=[course.pk]))
    attempt = AssessmentAttempt.objects.get(user=technician)
    url = reverse("training:attempt", args=[attempt.pk])
    answers = right_answers(attempt)
    del answers[3]

    refused = client.post(url, post_answers(answers))

    assert refused.status_code == 400 and "has no answer yet" in refused.text
    assert refused.text.count("checked") == sum(len(choices) for choices in answers.values())

    result = client.post(url, post_answers(right_answers(attempt)), follow=True)

    assert "5 of 5 right (100 %); the pass mark is 80 %." in result.text
    assert "You passed." in result.text
    assert "Completed on" in client.get(course.url).text


def test_attempts_are_limited_and_a_new_round_opens_after_the_cool_down(course, technician):
    client = signed_in(technician)
    with time_machine.travel(START, tick=False) as traveller:
        for _used in range(2):
            attempt = assessment_start(course=course, user=technician)
            assessment_submit(attempt=attempt, answers=answers_with_wrong(attempt, 3))
            traveller.shift(datetime.timedelta(minutes=10))

        with pytest.raises(ValidationError, match="You have used your 2 attempts"):
            assessment_start(course=course, user=technician)
        page = client.get(reverse("training:assessment", args=[course.pk])).text
        assert "You can try again from" in page and "Start the assessment" not in page
        refused = client.post(reverse("training:assessment", args=[course.pk]), follow=True)
        assert "You have used your 2 attempts" in refused.text
        assert AssessmentAttempt.objects.filter(user=technician).count() == 2

        # 24 hours after the last attempt (09:10), not after the first
        traveller.move_to(START + datetime.timedelta(hours=24, minutes=9))
        with pytest.raises(ValidationError):
            assessment_start(course=course, user=technician)
        traveller.move_to(START + datetime.timedelta(hours=24, minutes=10))
        attempt = assessment_start(course=course, user=technician)
        assert "2 attempts left" in client.get(reverse("training:assessment", args=[course.pk])).text
        assessment_submit(attempt=attempt, answers=right_answers(attempt))
        assert AssessmentAttempt.objects.filter(user=technician, passed=True).count() == 1


def test_a_course_with_an_assessment_is_completed_only_by_passing_it(course, technician):
    client = signed_in(technician)
    client.post(reverse("content:course_progress", args=[course.pk, "start"]))

    response = client.post(reverse("content:course_progress", args=[course.pk, "complete"]), follow=True)

    assert "Pass the assessment to complete this course." in response.text
    assert CourseEnrollment.objects.get(user=technician).completed_at is None


def test_another_persons_attempt_is_not_found(course, technician):
    attempt = assessment_start(course=course, user=technician)
    colleague = PartnerUserFactory(organization=Membership.objects.get(user=technician).organization, roles=["owner"])

    assert signed_in(colleague).get(reverse("training:attempt", args=[attempt.pk])).status_code == 404
