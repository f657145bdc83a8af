"""Training in the Wagtail admin (certification rules, assessment attempts,
certification history, course progress and upcoming expiries for CAMs'
portfolios) and on the
partner side (navigation, dashboard panel, course completions)."""

from datetime import timedelta

from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from content.models import CourseEnrollment
from programs.models import PersonCertification
from programs.navigation import NavigationItem
from programs.services.data_rights import ExportSection
from programs.tenancy import scoped
from programs.wagtail_hooks import PortfolioFilterSet, PortfolioPermissionPolicy, PortfolioViewSet

from .components import LearningPanel
from .models import AssessmentAttempt, CertificationEvent, CertificationRule
from .selectors import portfolio_course_progress
from .services import certifications_grant_for_completion

#: how far ahead the upcoming-expiries report looks
UPCOMING_DAYS = 90


class CertificationRuleViewSet(SnippetViewSet):
    """Which course or path grants each certification and how it is renewed."""

    model = CertificationRule
    icon = "success"
    menu_label = _("Certification rules")
    list_display = ["certification", "course", "path", "renewal_rule"]
    copy_view_enabled = False


for audited in (AssessmentAttempt, CertificationEvent):
    register_permission_policy(audited, PortfolioPermissionPolicy(audited, "organization", read_only=True))


class AssessmentAttemptViewSet(PortfolioViewSet):
    """Assessment attempts and scores: read-only, CAMs see their portfolio."""

    model = AssessmentAttempt
    icon = "tasks"
    menu_label = _("Assessment attempts")
    list_display = ["course", "organization", "user", "started_at", "submitted_at", "correct_count", "passed"]
    list_filter = ["passed", "started_at"]
    list_export = ["course", "organization", "user", "started_at", "submitted_at", "correct_count", "passed"]
    ordering = ["-started_at"]
    copy_view_enabled = False
    inspect_view_enabled = True


class CertificationEventViewSet(PortfolioViewSet):
    """Each certification's history: earned, renewed, reminded, expired."""

    model = CertificationEvent
    icon = "history"
    menu_label = _("Certification history")
    list_display = ["held", "organization", "kind", "days_before", "occurred_at"]
    list_filter = ["kind", "occurred_at"]
    list_export = ["held", "organization", "kind", "days_before", "occurred_at", "note"]
    ordering = ["-occurred_at"]
    copy_view_enabled = False
    inspect_view_enabled = True


class TrainingGroup(SnippetViewSetGroup):
    items = (CertificationRuleViewSet, AssessmentAttemptViewSet, CertificationEventViewSet)
    menu_icon = "success"
    menu_label = _("Training")
    menu_name = "training"
    menu_order = 210


register_snippet(TrainingGroup)


class UpcomingExpiriesReport(ReportView):
    """Certifications expiring in the next 90 days, in the CAM's portfolio."""

    page_title = _("Upcoming certification expiries")
    header_icon = "time"
    index_url_name = "training_upcoming_expiries"
    index_results_url_name = "training_upcoming_expiries_results"
    list_export = ["user", "organization", "certification", "expires_at"]
    columns = [
        Column("user", label=_("Person")),
        Column("organization", label=_("Organization")),
        Column("certification", label=_("Certification")),
        DateColumn("expires_at", label=_("Expires")),
    ]

    def get_queryset(self):
        now = timezone.now()
        upcoming = PersonCertification.objects.filter(
            expires_at__gt=now, expires_at__lte=now + timedelta(days=UPCOMING_DAYS)
        ).select_related("user", "organization", "certification")
        return scoped(upcoming, self.request.user).order_by("expires_at")


class CourseProgressFilterSet(PortfolioFilterSet):
    class Meta:
        model = CourseEnrollment
        fields = ["organization"]


class CourseProgressReport(ReportView):
    """Per organization of the CAM's portfolio and course: how many people
    enrolled, are in progress, completed it and hold the certification it leads to."""

    page_title = _("Course progress")
    header_icon = "group"
    index_url_name = "training_course_progress"
    index_results_url_name = "training_course_progress_results"
    filterset_class = CourseProgressFilterSet
    list_export = ["organization__name", "course_title", "enrolled", "in_progress", "completed", "certified"]
    export_headings = {
        "organization__name": _("Organization"),
        "course_title": _("Course"),
        "enrolled": _("Enrolled"),
        "in_progress": _("In progress"),
        "completed": _("Completed"),
        "certified": _("Certified"),
    }
    columns = [Column(field, label=label) for field, label in export_headings.items()]

    def get_queryset(self):
        return portfolio_course_progress(self.request.user)


class PortfolioReportMenuItem(MenuItem):
    def __init__(self, *args, permission: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request):
        return request.user.has_perm(self.permission)


@hooks.register("register_admin_urls")
def training_admin_urls():
    return [
        path("reports/certification-expiries/", UpcomingExpiriesReport.as_view(), name="training_upcoming_expiries"),
        path(
            "reports/certification-expiries/results/",
            UpcomingExpiriesReport.as_view(results_only=True),
            name="training_upcoming_expiries_results",
        ),
        path("reports/course-progress/", CourseProgressReport.as_view(), name="training_course_progress"),
        path(
            "reports/course-progress/results/",
            CourseProgressReport.as_view(results_only=True),
            name="training_course_progress_results",
        ),
    ]


@hooks.register("register_reports_menu_item")
def upcoming_expiries_menu_item():
    return PortfolioReportMenuItem(
        _("Certification expiries"),
        reverse("training_upcoming_expiries"),
        icon_name="time",
        order=670,
        permission="programs.view_personcertification",
    )


@hooks.register("register_reports_menu_item")
def course_progress_menu_item():
    return PortfolioReportMenuItem(
        _("Course progress"),
        reverse("training_course_progress"),
        icon_name="group",
        order=671,
        permission="content.view_courseenrollment",
    )


@hooks.register("partner_navigation_items")
def training_navigation_items():
    return [NavigationItem(key="training", label=_("Training"), url="training:home", icon="academic-cap", order=50)]


@hooks.register("partner_dashboard_panels")
def learning_panel(request):
    return LearningPanel(request) or None


# Completing a course (content) may grant a certification (training).
hooks.register("course_completed", certifications_grant_for_completion)


@hooks.register("organization_data_export")
def training_export_sections(organization):
    attempts = [
        {
            "person": attempt.user.get_username(),
            "course": attempt.course.title,
            "started_at": attempt.started_at,
            "submitted_at": attempt.submitted_at,
            "right_answers": attempt.correct_count,
            "questions": attempt.question_count,
            "passed": attempt.passed,
        }
        for attempt in AssessmentAttempt.objects.filter(organization=organization).select_related("user", "course")
    ]
    return [ExportSection("assessment_attempts", attempts)]
