"""Content in the Wagtail admin: asset types, the stale assets report, the
co-branding log, training progress, and no direct document URLs for versioned
asset files."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView
from wagtail.models import Locale, Site, TranslatableMixin
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from programs.audience import Reader
from programs.navigation import NavigationItem
from programs.services.data_rights import ExportSection
from programs.wagtail_hooks import PortfolioPermissionPolicy, PortfolioViewSet

from .admin_views import TRANSLATION_PERMISSION, TranslationStatusView
from .components import LatestContentPanel
from .models import AssetType, AssetVersion, CobrandGeneration, CourseEnrollment
from .selectors import document_readable, pages_restricted_to_tier
from .services import stale_assets


class AssetTypeViewSet(SnippetViewSet):
    model = AssetType
    icon = "doc-full"
    menu_label = _("Asset types")
    list_display = ["name", "code", "locale"]
    copy_view_enabled = False


register_permission_policy(
    CobrandGeneration, PortfolioPermissionPolicy(CobrandGeneration, "organization", read_only=True)
)


class CobrandGenerationViewSet(PortfolioViewSet):
    """Who generated which co-branded file: read-only log."""

    model = CobrandGeneration
    icon = "image"
    menu_label = _("Co-branding log")
    list_display = ["template", "organization", "user", "status", "created_at"]
    list_filter = ["status", "created_at"]
    list_export = ["template", "template_revision_id", "organization", "user", "language", "status", "created_at"]
    ordering = ["-created_at"]
    copy_view_enabled = False
    inspect_view_enabled = True


register_permission_policy(
    CourseEnrollment, PortfolioPermissionPolicy(CourseEnrollment, "organization", read_only=True)
)


class CourseEnrollmentViewSet(PortfolioViewSet):
    """Who started and completed which course: read-only, CAMs see their portfolio."""

    model = CourseEnrollment
    icon = "group"
    menu_label = _("Training progress")
    list_display = ["course", "organization", "user", "started_at", "completed_at"]
    # no organization filter: its choices would name organizations outside a CAM's portfolio
    list_filter = ["course", "started_at", "completed_at"]
    list_export = ["course", "organization", "user", "started_at", "completed_at"]
    ordering = ["-started_at"]
    copy_view_enabled = False
    inspect_view_enabled = True


class ContentGroup(SnippetViewSetGroup):
    items = (AssetTypeViewSet, CobrandGenerationViewSet, CourseEnrollmentViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = _("Content")
    menu_name = "content"


register_snippet(ContentGroup)


class StaleAssetsReport(ReportView):
    page_title = _("Stale assets")
    header_icon = "warning"
    index_url_name = "content_stale_assets"
    index_results_url_name = "content_stale_assets_results"
    list_export = ["title", "review_by", "version_label", "content_owner", "url"]
    columns = [
        TitleColumn("title", label=_("Asset"), url_name="wagtailadmin_pages:edit"),
        DateColumn("review_by", label=_("Review by")),
        Column("version_label", label=_("Version")),
        Column("content_owner", label=_("Owner")),
    ]

    def get_queryset(self):
        return stale_assets().select_related("content_owner")


@hooks.register("register_admin_urls")
def content_admin_urls():
    return [
        path("reports/stale-assets/", StaleAssetsReport.as_view(), name="content_stale_assets"),
        path(
            "reports/stale-assets/results/",
            StaleAssetsReport.as_view(results_only=True),
            name="content_stale_assets_results",
        ),
        path("reports/translation-status/", TranslationStatusView.as_view(), name="content_translation_status"),
    ]


@hooks.register("register_reports_menu_item")
def stale_assets_menu_item():
    return MenuItem(_("Stale assets"), reverse("content_stale_assets"), icon_name="warning", order=650)


class TranslationStatusMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(TRANSLATION_PERMISSION)


@hooks.register("register_reports_menu_item")
def translation_status_menu_item():
    return TranslationStatusMenuItem(
        _("Translation status"), reverse("content_translation_status"), icon_name="site", order=660
    )


@hooks.register("before_edit_page")
@hooks.register("before_unpublish_page")
def source_pages_need_authors(request, page):
    """Translators (change and publish permissions, no add) edit and unpublish
    translations, never the source-language page everything is translated from."""
    if request.user.is_superuser or page.locale_id != Locale.get_default().pk:
        return None
    if "add" not in page.permissions_for_user(request.user).permissions:
        raise PermissionDenied
    return None


@hooks.register("before_edit_snippet")
def source_snippets_need_authors(request, instance):
    """Likewise for translatable snippets: the source row needs the add permission."""
    if not isinstance(instance, TranslatableMixin) or instance.locale_id != Locale.get_default().pk:
        return None
    opts = instance._meta
    if not request.user.has_perm(f"{opts.app_label}.add_{opts.model_name}"):
        raise PermissionDenied
    return None


@hooks.register("before_serve_document")
def documents_only_for_readers_of_their_pages(document, request):
    """A document linked from a gated page is as private as the page: served
    to readers of a live page that uses it (and to staff), never by its URL alone."""
    if document_readable(request, document):
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise Http404


@hooks.register("partner_dashboard_panels")
def latest_content_panel(request):
    return LatestContentPanel(request) or None


@hooks.register("tier_unlocked_pages")
def pages_unlocked_by_tier(tier, reader):
    """The partner's tier page lists the portal pages reserved for a tier."""
    return pages_restricted_to_tier(tier=tier, reader=reader)


@hooks.register("before_serve_document")
def asset_files_only_through_the_library(document, request):
    """Versioned asset files go through the audience-checked download views;
    Wagtail's direct document URL serves them to vendor staff only."""
    if Reader.for_user(request.user).sees_everything:
        return None
    if AssetVersion.objects.filter(document=document).exists():
        raise Http404
    return None


def content_home_url(request):
    """The root of the portal's page tree (sections, library) in the reader's language."""
    site = Site.find_for_request(request)
    return site.root_page.localized.get_url(request) if site else None


@hooks.register("partner_navigation_items")
def content_navigation_items():
    return [
        NavigationItem(key="content", label=_("Content"), url=content_home_url, icon="book-open", order=30),
    ]


@hooks.register("organization_data_export")
def content_export_sections(organization):
    """Co-branded files made for the organization, training progress and downloads."""
    generations = CobrandGeneration.objects.filter(organization=organization).select_related("template", "user")
    rows, files = [], []
    for generation in generations:
        made = [kind for kind in ("pdf", "png") if getattr(generation, kind)]
        rows.append(
            {
                "template": generation.template.title,
                "made_by": generation.user.get_username() if generation.user else None,
                "language": generation.language,
                "values": generation.values,
                "status": generation.status,
                "created_at": generation.created_at,
                "files": [f"files/cobranded/{generation.pk}.{kind}" for kind in made],
            }
        )
        files.extend((f"cobranded/{generation.pk}.{kind}", getattr(generation, kind)) for kind in made)
    enrollments = [
        {
            "person": enrollment.user.get_username(),
            "course": enrollment.course.title,
            "started_at": enrollment.started_at,
            "completed_at": enrollment.completed_at,
        }
        for enrollment in CourseEnrollment.objects.filter(organization=organization).select_related("user", "course")
    ]
    return [ExportSection("cobranded_files", rows, files), ExportSection("training", enrollments)]
