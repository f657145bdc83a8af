"""Reads of the training app: assessment status, path progress, team progress,
certificates. Partner-owned rows are scoped through ``programs.tenancy``."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.utils import timezone, translation
from wagtail.models import Locale

from content.audience import reader_for, visible_page_ids, visible_pages
from content.models import CourseEnrollment, CoursePage
from programs.audience import Reader
from programs.models import Membership, PersonCertification
from programs.tenancy import PartnerContext, scoped

from .models import AssessmentAttempt, LearningPathCourse, LearningPathPage


@dataclass(frozen=True)
class AssessmentStatus:
    """Where a person stands with a course's assessment."""

    open_attempt: AssessmentAttempt | None
    last_attempt: AssessmentAttempt | None
    #: failed attempts in the current round (a round is ``max_attempts`` long)
    used: int
    attempts_left: int
    #: set while the person waits out the cool-down
    locked_until: datetime | None


def assessment_status(*, course: CoursePage, user, now: datetime | None = None) -> AssessmentStatus:
    """Attempts come in rounds of ``course.max_attempts``: once a round is
    used up without passing, the person waits ``cooldown_hours`` after the last
    attempt, then a new round starts. Passing ends the round."""
    now = now or timezone.now()
    attempts = list(
        AssessmentAttempt.objects.filter(user=user, course_key=course.translation_key).order_by("started_at", "pk")
    )
    submitted = [attempt for attempt in attempts if attempt.submitted_at]
    open_attempt = next((attempt for attempt in attempts if not attempt.submitted_at), None)
    failed_in_a_row = 0
    for attempt in reversed(submitted):
        if attempt.passed:
            break
        failed_in_a_row += 1
    used = failed_in_a_row % course.max_attempts
    locked_until = None
    if failed_in_a_row and used == 0:
        ends = submitted[-1].submitted_at + timedelta(hours=course.cooldown_hours)
        if ends > now:
            locked_until = ends
        # after the cool-down a fresh round starts with every attempt
    return AssessmentStatus(
        open_attempt=open_attempt,
        last_attempt=submitted[-1] if submitted else None,
        used=used if locked_until is None else course.max_attempts,
        attempts_left=0 if locked_until else course.max_attempts - used,
        locked_until=locked_until,
    )


def attempt_for(user, pk: int):
    """The person's own attempt (another person's, or organization's, is not found)."""
    return scoped(AssessmentAttempt.objects.filter(user=user), user).select_related("course").filter(pk=pk)


@dataclass
class PathProgress:
    #: ``[(course in the reader's language, enrollment or None), ...]`` in the path's order
    steps: list = field(default_factory=list)
    #: courses of the path outside the reader's audience: counted, never named
    hidden: int = 0

    @property
    def done(self) -> int:
        return sum(1 for _course, enrollment in self.steps if enrollment and enrollment.completed_at)

    @property
    def total(self) -> int:
        return len(self.steps) + self.hidden

    @property
    def complete(self) -> bool:
        return bool(self.steps) and self.done == self.total

    @property
    def next_course(self):
        """The first course not completed yet (None when the path is done)."""
        return next((course for course, enrollment in self.steps if not (enrollment and enrollment.completed_at)), None)


def enrollments_by_course(user) -> dict:
    """The person's enrollments keyed by course (translation key)."""
    return {
        enrollment.course_key: enrollment for enrollment in scoped(CourseEnrollment.objects.filter(user=user), user)
    }


def path_progress(
    *,
    path: LearningPathPage,
    user,
    enrollments: dict | None = None,
    reader: Reader | None = None,
    steps: list | None = None,
    translations: dict | None = None,
) -> PathProgress:
    """The person's progress through ``path``, courses shown in the reader's
    language where translated (completion counts in any language). Given a
    ``reader``, courses outside their audience are counted but not listed.
    ``steps`` and ``translations`` are the path's courses and their live
    translations when the caller read them for several paths at once."""
    if enrollments is None:
        enrollments = enrollments_by_course(user) if getattr(user, "is_authenticated", False) else {}
    if steps is None:
        steps = list(path.path_courses.select_related("course").order_by("sort_order"))
        translations = _live_translations([step.course for step in steps])
    progress = PathProgress()
    courses = [translations.get(step.course.translation_key, step.course) for step in steps]
    shown = visible_page_ids(courses, reader) if reader is not None else {course.pk for course in courses}
    for step, course in zip(steps, courses, strict=True):
        if course.pk not in shown:
            progress.hidden += 1
            continue
        progress.steps.append((course, enrollments.get(step.course.translation_key)))
    return progress


def _live_translations(courses: list[CoursePage]) -> dict:
    """The live translations of ``courses`` in the active language, by
    translation key (one read for all: ``.localized`` asks once per course);
    a course in the active language, or without a live translation, is shown as it is."""
    locale = Locale.get_active()
    missing = [course.translation_key for course in courses if course.locale_id != locale.pk]
    if not missing:
        return {}
    return {
        course.translation_key: course
        for course in CoursePage.objects.live().filter(locale=locale, translation_key__in=missing)
    }


def paths_for(request) -> list[tuple]:
    """Live learning paths the reader may see in the current language, with
    the reader's progress: ``[(path, PathProgress), ...]``; a fixed number of
    queries however many paths and courses."""
    language_code = translation.get_language() or "en"
    reader = reader_for(request)
    live_paths = LearningPathPage.objects.live().filter(locale__language_code=language_code)
    paths = list(visible_pages(live_paths, reader).order_by("title"))
    steps_by_path: dict[int, list] = {path.pk: [] for path in paths}
    for step in LearningPathCourse.objects.filter(path__in=paths).select_related("course").order_by("sort_order"):
        steps_by_path[step.path_id].append(step)
    all_courses = [step.course for steps in steps_by_path.values() for step in steps]
    translations = _live_translations(all_courses)
    enrollments = enrollments_by_course(request.user)
    # Every path's courses answered in one statement; path_progress then
    # finds each course answered.
    visible_page_ids([translations.get(course.translation_key, course) for course in all_courses], reader)
    return [
        (
            path,
            path_progress(
                path=path,
                user=request.user,
                enrollments=enrollments,
                reader=reader,
                steps=steps_by_path[path.pk],
                translations=translations,
            ),
        )
        for path in paths
    ]


def held_certifications(user):
    """The person's own earned certifications, latest first."""
    return (
        scoped(PersonCertification.objects.filter(user=user), user)
        .select_related("certification")
        .order_by("-earned_at")
    )


def certificate_for(partner: PartnerContext, pk: int):
    """A certificate the partner may download: their own, or their team's for an owner."""
    rows = scoped(PersonCertification.objects.all(), partner.user)
    if not partner.has_role("owner"):
        rows = rows.filter(user=partner.user)
    return rows.select_related("certification", "user", "organization").filter(pk=pk)


@dataclass(frozen=True)
class TeamMember:
    membership: Membership
    enrollments: list
    certifications: list

    @property
    def completed(self) -> int:
        return sum(1 for enrollment in self.enrollments if enrollment.completed_at)


def team_progress(partner: PartnerContext) -> list[TeamMember]:
    """Every active member of the owner's organization with their courses and
    current certifications."""
    organization = partner.organization
    memberships = (
        scoped(Membership.objects.filter(organization=organization, is_active=True), partner.user)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    enrollments: dict[int, list] = {}
    for enrollment in scoped(CourseEnrollment.objects.filter(organization=organization), partner.user).select_related(
        "course"
    ):
        enrollments.setdefault(enrollment.user_id, []).append(enrollment)
    certifications: dict[int, list] = {}
    for held in (
        scoped(PersonCertification.objects.filter(organization=organization), partner.user)
        .valid_at()
        .select_related("certification")
    ):
        certifications.setdefault(held.user_id, []).append(held)
    return [
        TeamMember(
            membership=membership,
            enrollments=enrollments.get(membership.user_id, []),
            certifications=certifications.get(membership.user_id, []),
        )
        for membership in memberships
    ]


def current_holding(*, user, certification, at: datetime | None = None):
    """The person's valid record of ``certification`` expiring last (None if none)."""
    return (
        PersonCertification.objects.filter(user=user, certification=certification)
        .valid_at(at)
        .order_by("-expires_at")
        .first()
    )


def portfolio_course_progress(user):
    """Course progress in the staff member's portfolio, one row per
    organization and course (every language of a course is one course):
    ``organization``, ``organization__name``, ``course_title``, ``enrolled``,
    ``in_progress``, ``completed`` and ``certified`` (enrolled people who
    hold a current certification granted by the course or by a learning path
    that includes it)."""
    grants_this_course = Q(certification__rule__course__translation_key=OuterRef("course_key")) | Q(
        certification__rule__path__path_courses__course__translation_key=OuterRef("course_key")
    )
    certified = Exists(
        PersonCertification.objects.valid_at().filter(
            grants_this_course, user=OuterRef("user"), organization=OuterRef("organization")
        )
    )
    # the title in the default language where the course has one
    title = Subquery(
        CoursePage.objects.filter(translation_key=OuterRef("course_key"))
        .annotate(other_language=Case(When(locale=Locale.get_default(), then=Value(0)), default=Value(1)))
        .order_by("other_language", "pk")
        .values("title")[:1]
    )
    return (
        scoped(CourseEnrollment.objects.all(), user)
        .annotate(course_title=title)
        .values("organization", "organization__name", "course_key", "course_title")
        .annotate(
            enrolled=Count("pk"),
            in_progress=Count("pk", filter=Q(completed_at__isnull=True)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
            certified=Count("pk", filter=certified),
        )
        .order_by("organization__name", "course_title", "course_key")
    )


def verification(code: str):
    """The earned certification with this public code (None if unknown)."""
    return (
        PersonCertification.objects.select_related("certification", "user")
        .filter(verification_code=code.strip().upper())
        .first()
    )
