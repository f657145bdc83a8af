"""Learning paths, assessments, certification rules and the certification
record's history. Courses and enrollments stay in ``content`` (one course
model); earned certifications stay in ``programs`` (tiers count them)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from content.audience import reader_for
from content.models import AudienceMixin, CoursePage


class LearningPathPage(AudienceMixin, Page):
    """Courses taken in order; a certification rule may name the path as what
    grants a certification."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro"), InlinePanel("path_courses", label=_("courses"))]
    settings_panels = Page.settings_panels + AudienceMixin.audience_panels
    search_fields = Page.search_fields + [index.SearchField("intro")]

    parent_page_types = ["home.HomePage", "content.SectionPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("learning path")
        verbose_name_plural = _("learning paths")

    def get_context(self, request, *args, **kwargs):
        from .selectors import path_progress

        context = super().get_context(request, *args, **kwargs)
        context["progress"] = path_progress(path=self, user=request.user, reader=reader_for(request))
        return context


class LearningPathCourse(Orderable):
    path = ParentalKey(LearningPathPage, on_delete=models.CASCADE, related_name="path_courses")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))

    panels = [FieldPanel("course")]

    def __str__(self):
        return str(self.course)


class RenewalRule(models.TextChoices):
    RETAKE = "retake", _("Pass the assessment again")
    COURSE = "course", _("Complete a renewal course")


class CertificationRule(models.Model):
    """How partners earn and renew a certification (channel ops set it up here;
    validity is the certification's own)."""

    certification = models.OneToOneField(
        "programs.Certification", on_delete=models.CASCADE, related_name="rule", verbose_name=_("certification")
    )
    course = models.ForeignKey(
        CoursePage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("granted by completing the course"),
    )
    path = models.ForeignKey(
        LearningPathPage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certification_rules",
        verbose_name=_("granted by completing the learning path"),
    )
    renewal_rule = models.CharField(
        _("to renew"), max_length=10, choices=RenewalRule.choices, default=RenewalRule.RETAKE
    )
    renewal_course = models.ForeignKey(
        CoursePage,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("renewal course"),
        help_text=_("A shorter course that renews the certification of someone who holds or held it."),
    )
    renewal_window_days = models.PositiveSmallIntegerField(
        _("renewal opens (days before expiry)"), default=60, help_text=_("Earlier completions do not renew.")
    )

    panels = [
        FieldPanel("certification"),
        MultiFieldPanel([FieldPanel("course"), FieldPanel("path")], heading=_("Granted by (one of)")),
        MultiFieldPanel(
            [FieldPanel("renewal_rule"), FieldPanel("renewal_course"), FieldPanel("renewal_window_days")],
            heading=_("Renewal"),
        ),
    ]

    class Meta:
        verbose_name = _("certification rule")
        verbose_name_plural = _("certification rules")
        ordering = ["certification__name"]

    def __str__(self):
        return str(self.certification)

    def clean(self):
        if bool(self.course_id) == bool(self.path_id):
            raise ValidationError(_("Choose either the course or the learning path that grants the certification."))
        if self.renewal_rule == RenewalRule.COURSE and not self.renewal_course_id:
            raise ValidationError({"renewal_course": _("Choose the renewal course.")})


class AssessmentAttempt(models.Model):
    """One try at a course's assessment, with the question and answer order
    drawn for it (positions in the course's questions, the same in every
    translation)."""

    organization = models.ForeignKey(
        "programs.PartnerOrganization", on_delete=models.CASCADE, related_name="assessment_attempts"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessment_attempts")
    #: the page the attempt was started from (any translation of the course)
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+", verbose_name=_("course"))
    course_key = models.UUIDField(editable=False, db_index=True)
    #: ``[[question position, [choice positions...]], ...]`` in the order shown
    order = models.JSONField(editable=False)
    #: ``{"question position": [choice positions ticked]}``
    answers = models.JSONField(default=dict, editable=False)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(_("right answers"), null=True, blank=True)
    question_count = models.PositiveSmallIntegerField(_("questions"))
    pass_mark_percent = models.PositiveSmallIntegerField(_("pass mark (%)"))
    passed = models.BooleanField(_("passed"), null=True)

    class Meta:
        verbose_name = _("assessment attempt")
        verbose_name_plural = _("assessment attempts")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["organization", "user", "course_key", "started_at"])]
        constraints = [
            # One open attempt per person and course: starting again resumes it.
            models.UniqueConstraint(
                fields=["user", "course_key"],
                condition=models.Q(submitted_at__isnull=True),
                name="training_one_open_attempt",
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.course}"

    @property
    def score_percent(self) -> int | None:
        if self.correct_count is None:
            return None
        return self.correct_count * 100 // self.question_count


class CertificationEventKind(models.TextChoices):
    EARNED = "earned", _("Earned")
    RENEWED = "renewed", _("Renewed")
    REMINDED = "reminded", _("Expiry reminder sent")
    EXPIRED = "expired", _("Expired")


class CertificationEvent(models.Model):
    """The history of one earned certification: earned, renewed, reminded, expired."""

    held = models.ForeignKey(
        "programs.PersonCertification",
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("earned certification"),
    )
    organization = models.ForeignKey(
        "programs.PartnerOrganization", on_delete=models.CASCADE, related_name="certification_events"
    )
    kind = models.CharField(_("event"), max_length=10, choices=CertificationEventKind.choices)
    #: for reminders: how many days before expiry (60, 30, 7); 0 otherwise
    days_before = models.PositiveSmallIntegerField(_("days before expiry"), default=0)
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("certification event")
        verbose_name_plural = _("certification events")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            # The beat sweeps may run twice: each reminder and the expiry happen once.
            models.UniqueConstraint(fields=["held", "kind", "days_before"], name="training_event_once")
        ]

    def __str__(self):
        return f"{self.held} · {self.get_kind_display()}"
