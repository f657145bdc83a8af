"""Business rules of training: assessments, earning and renewing
certifications, expiry reminders and expiry."""

import random
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from content.models import CourseEnrollment, CoursePage
from content.services import course_complete, course_start
from programs.models import Certification, EarnedThrough, Membership, PersonCertification
from programs.services.certifications import certification_record
from programs.services.tiers import tier_evaluation_request
from programs.tenancy import partner_context
from support.models import NotificationCategory
from support.services.notifications import notifications_send

from .models import AssessmentAttempt, CertificationEvent, CertificationEventKind, CertificationRule, RenewalRule
from .selectors import assessment_status, current_holding, path_progress

#: days before expiry the person and their owners are reminded
REMINDER_DAYS = (60, 30, 7)

_shuffler = random.SystemRandom()


# Assessments -----------------------------------------------------------------


@transaction.atomic
def assessment_start(*, course: CoursePage, user) -> AssessmentAttempt:
    """Start an attempt at ``course``'s assessment with questions and answers
    in an order drawn for it (an open attempt is resumed as it was drawn).
    Raises ``ValidationError`` when the attempts are used up until the cool-down ends."""
    if not course.has_assessment:
        raise ValidationError(_("This course has no assessment."))
    partner = partner_context(user)
    if partner is None:
        raise ValidationError(_("Only partner users take assessments."))
    # Serialise one person's starts: two taps must not open two attempts.
    Membership.objects.select_for_update().filter(pk=partner.membership.pk).first()
    status = assessment_status(course=course, user=user)
    if status.open_attempt is not None:
        return status.open_attempt
    if status.locked_until is not None:
        raise ValidationError(
            _("You have used your %(count)d attempts. You can try again from %(time)s.")
            % {
                "count": course.max_attempts,
                "time": date_format(timezone.localtime(status.locked_until), "DATETIME_FORMAT"),
            }
        )
    course_start(course=course, user=user)
    questions = list(course.questions)
    order = []
    for position in _shuffler.sample(range(len(questions)), len(questions)):
        choices = list(range(len(questions[position].value["choices"])))
        _shuffler.shuffle(choices)
        order.append([position, choices])
    return AssessmentAttempt.objects.create(
        organization=partner.organization,
        user=user,
        course=course,
        course_key=course.translation_key,
        order=order,
        question_count=len(questions),
        pass_mark_percent=course.pass_mark_percent,
    )


def assessment_correct_count(*, course: CoursePage, answers: dict[int, set[int]]) -> int:
    """Questions answered right: exactly the correct answers ticked (one for a
    single-choice question, all correct ones and nothing else for multi-select)."""
    right = 0
    for position, question in enumerate(course.questions):
        correct = {index for index, choice in enumerate(question.value["choices"]) if choice["correct"]}
        if answers.get(position, set()) == correct:
            right += 1
    return right


def assessment_passes(*, correct_count: int, question_count: int, pass_mark_percent: int) -> bool:
    """Whether the share of right answers reaches the pass mark (compared in
    whole numbers: 4 of 5 is exactly 80 %)."""
    return correct_count * 100 >= pass_mark_percent * question_count


@transaction.atomic
def assessment_submit(*, attempt: AssessmentAttempt, answers: dict[int, list[int]]) -> AssessmentAttempt:
    """Score a submitted attempt; passing completes the course (which may
    grant a certification). Raises ``ValidationError`` naming the unanswered
    questions (nothing stored, the attempt stays open)."""
    # The attempt's row only: locking its course too (a join locks every
    # table's row unless told) made partners submitting one course's
    # assessment, and an editor publishing it, wait for each other.
    attempt = AssessmentAttempt.objects.select_for_update(of=("self",)).select_related("course").get(pk=attempt.pk)
    if attempt.submitted_at is not None:
        raise ValidationError(_("This attempt was already submitted."))
    course = attempt.course
    questions = list(course.questions)
    ticked: dict[int, set[int]] = {}
    missing, too_many = [], []
    for number, (position, choices) in enumerate(attempt.order, start=1):
        chosen = {choice for choice in answers.get(position, []) if choice in choices}
        if not chosen:
            missing.append(number)
        elif len(chosen) > 1 and not questions[position].value["multiple"]:
            too_many.append(number)
        ticked[position] = chosen
    errors = []
    if missing:
        errors.append(
            _("Answer every question: question %(numbers)s has no answer yet.")
            % {"numbers": ", ".join(str(number) for number in missing)}
        )
    if too_many:
        errors.append(
            _("Choose one answer for question %(numbers)s.") % {"numbers": ", ".join(str(n) for n in too_many)}
        )
    if errors:
        raise ValidationError(errors)
    attempt.answers = {str(position): sorted(chosen) for position, chosen in ticked.items()}
    attempt.correct_count = assessment_correct_count(course=course, answers=ticked)
    attempt.passed = assessment_passes(
        correct_count=attempt.correct_count,
        question_count=attempt.question_count,
        pass_mark_percent=attempt.pass_mark_percent,
    )
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["answers", "correct_count", "passed", "submitted_at"])
    if attempt.passed:
        course_complete(course=course, user=attempt.user, assessed=True)
    return attempt


# Certifications ----------------------------------------------------------------


def _renewable(holding: PersonCertification | None, *, window_days: int, now: datetime) -> bool:
    """No holding, or one that expires within the renewal window."""
    if holding is None:
        return True
    return holding.expires_at is not None and holding.expires_at - now <= timedelta(days=window_days)


@transaction.atomic
def certification_earn(
    *, user, organization, certification: Certification, earned_through: str, earned_for: str = ""
) -> PersonCertification | None:
    """Grant ``certification`` to ``user`` now, as a renewal when they held it
    before. Does nothing (None) while a holding lasts beyond the renewal window.
    The tier is re-evaluated; gated content, deal registration and SPIFF
    eligibility follow the record's dates."""
    rule = CertificationRule.objects.filter(certification=certification).first()
    now = timezone.now()
    holding = current_holding(user=user, certification=certification, at=now)
    if not _renewable(holding, window_days=rule.renewal_window_days if rule else 60, now=now):
        return None
    held_before = PersonCertification.objects.filter(user=user, certification=certification).exists()
    earned = certification_record(
        organization=organization,
        user=user,
        certification=certification,
        earned_at=now,
        earned_through=EarnedThrough.RENEWAL if held_before else earned_through,
        earned_for=earned_for,
    )
    if holding is not None and holding.expires_at:
        # The renewal runs on from the old expiry: renewing early costs nothing.
        earned.expires_at = earned.expires_at + (holding.expires_at - now)
        earned.save(update_fields=["expires_at"])
    CertificationEvent.objects.create(
        held=earned,
        organization=organization,
        kind=CertificationEventKind.RENEWED if held_before else CertificationEventKind.EARNED,
        actor=user,
        note=earned_for,
    )
    return earned


def certifications_grant_for_completion(enrollment: CourseEnrollment) -> list[PersonCertification]:
    """The ``course_completed`` hook: grant what the completed course earns,
    alone, as the last step of a learning path, or as a renewal course."""
    user, organization, key = enrollment.user, enrollment.organization, enrollment.course_key
    granted = []
    rules = CertificationRule.objects.select_related("certification", "course", "path", "renewal_course")
    for rule in rules.filter(
        Q(course__translation_key=key) | Q(path__path_courses__course__translation_key=key)
    ).distinct():
        if rule.course_id:
            how, title = EarnedThrough.COURSE, rule.course.title
        else:
            if not path_progress(path=rule.path, user=user).complete:
                continue
            how, title = EarnedThrough.PATH, rule.path.title
        if earned := certification_earn(
            user=user, organization=organization, certification=rule.certification, earned_through=how, earned_for=title
        ):
            granted.append(earned)
    renewals = rules.filter(renewal_rule=RenewalRule.COURSE, renewal_course__translation_key=key)
    for rule in renewals:
        if PersonCertification.objects.filter(user=user, certification=rule.certification).exists() and (
            earned := certification_earn(
                user=user,
                organization=organization,
                certification=rule.certification,
                earned_through=EarnedThrough.RENEWAL,
                earned_for=rule.renewal_course.title,
            )
        ):
            granted.append(earned)
    return granted


def _owners(organization) -> list:
    return [
        membership.user
        for membership in Membership.objects.filter(organization=organization, is_active=True).select_related("user")
        if "owner" in membership.roles
    ]


def _superseded(held: PersonCertification) -> bool:
    """A later record of the same certification (a renewal) outlasts this one."""
    return (
        PersonCertification.objects.filter(user_id=held.user_id, certification_id=held.certification_id)
        .exclude(pk=held.pk)
        .filter(earned_at__gte=held.earned_at)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=held.expires_at))
        .exists()
    )


REMINDER_TITLE = gettext_lazy("%(certification)s expires in %(days)d days")
REMINDER_BODY = gettext_lazy(
    "%(person)s's %(certification)s certification expires on %(date)s. Renew it before then to keep what it unlocks."
)
EXPIRED_TITLE = gettext_lazy("%(certification)s has expired")
EXPIRED_BODY = gettext_lazy(
    "%(person)s's %(certification)s certification expired on %(date)s. Content, deal registration and incentives "
    "that require it are no longer available until it is renewed; the partner tier is re-evaluated."
)


def _tell(held: PersonCertification, *, title, body, days: int = 0) -> None:
    notifications_send(
        recipients=[held.user, *_owners(held.organization)],
        category=NotificationCategory.CERTIFICATION,
        title=title,
        body=body,
        params={
            "certification": held.certification.name,
            "person": held.user.get_full_name() or held.user.get_username(),
            # Called by the centre in each recipient's language and time zone.
            "date": lambda: date_format(timezone.localtime(held.expires_at), "DATE_FORMAT"),
            "days": days,
        },
        url=reverse("training:home"),
    )


def certification_remind(*, held: PersonCertification, days_before: int) -> bool:
    """Send the ``days_before`` expiry reminder of ``held`` to the person and
    their organization's owners, once (False when already sent)."""
    try:
        with transaction.atomic():
            CertificationEvent.objects.create(
                held=held, organization=held.organization, kind=CertificationEventKind.REMINDED, days_before=days_before
            )
            _tell(held, title=REMINDER_TITLE, body=REMINDER_BODY, days=days_before)
    except IntegrityError:
        return False
    return True


def certifications_send_reminders(*, now: datetime | None = None) -> int:
    """Send the due 60-, 30- and 7-day reminders (a sweep that missed a day
    still sends the nearest one, never the earlier ones it skipped)."""
    now = now or timezone.now()
    sent = 0
    due = PersonCertification.objects.filter(
        expires_at__gt=now, expires_at__lte=now + timedelta(days=max(REMINDER_DAYS))
    ).select_related("certification", "user", "organization")
    for held in due:
        if _superseded(held):
            continue
        days_left = (held.expires_at - now).total_seconds() / 86400
        days_before = min(days for days in REMINDER_DAYS if days_left <= days)
        already = held.events.filter(kind=CertificationEventKind.REMINDED, days_before__lte=days_before).exists()
        if not already and certification_remind(held=held, days_before=days_before):
            sent += 1
    return sent


def certification_expire(*, held: PersonCertification) -> bool:
    """Record that ``held`` has expired and reverse its effects: the tier is
    re-evaluated; gated content, deal registration and SPIFF eligibility
    already read it as lapsed. The person and owners are told (False when
    already recorded, or when a renewal carries on)."""
    if _superseded(held):
        return False
    try:
        with transaction.atomic():
            CertificationEvent.objects.create(
                held=held,
                organization=held.organization,
                kind=CertificationEventKind.EXPIRED,
                occurred_at=timezone.now(),
                note=_("Tier re-evaluated; content, deal registration and incentives requiring it withdrawn."),
            )
            tier_evaluation_request(
                organization=held.organization, reason=_("Certification expired: %s") % held.certification.name
            )
            _tell(held, title=EXPIRED_TITLE, body=EXPIRED_BODY)
    except IntegrityError:
        return False
    return True


#: certifications that lapsed longer ago were settled before the sweep existed
EXPIRY_LOOKBACK = timedelta(days=30)


def certifications_expire(*, now: datetime | None = None) -> int:
    """Expire every certification past its date not recorded as expired yet."""
    now = now or timezone.now()
    lapsed = (
        PersonCertification.objects.filter(expires_at__lte=now, expires_at__gt=now - EXPIRY_LOOKBACK)
        .exclude(events__kind=CertificationEventKind.EXPIRED)
        .select_related("certification", "user", "organization")
    )
    return sum(1 for held in lapsed if certification_expire(held=held))
