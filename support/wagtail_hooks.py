from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from programs.navigation import NavigationItem
from programs.services.data_rights import queryset_section
from programs.tenancy import partner_context
from programs.wagtail_hooks import PortfolioPermissionPolicy

from .admin_views import CaseFileView, CaseQueueFilterSet, CaseQueueIndexView, CaseWorkView
from .components import SupportPanel
from .models import Case, CaseAttachment, CaseCategory, CaseMessage, SlaTarget, SupportHoliday
from .selectors import notification_unread_count

# Registered before the viewsets, which pick it up: CAMs see their portfolio's cases.
register_permission_policy(Case, PortfolioPermissionPolicy(Case, "organization"))


class CaseQueueViewSet(ModelViewSet):
    """Partner cases, filtered by category, priority, status, SLA state and
    assignee. Cases are opened by partners and change through the case page
    (services), so there is no add, edit form or delete view."""

    model = Case
    name = "support_cases"
    icon = "help"
    menu_label = _("Cases")
    url_prefix = "support/cases"
    index_view_class = CaseQueueIndexView
    filterset_class = CaseQueueFilterSet
    list_display = ["number", "subject", "organization", "category", "priority", "status", "assignee", "opened_at"]
    search_fields = ["subject", "description"]
    ordering = ["-opened_at"]
    copy_view_enabled = False
    add_to_reference_index = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add_url_name", "delete_url_name", "history_url_name", "usage_url_name"):
            view_kwargs[name] = None
        return view_kwargs

    def get_urlpatterns(self):
        work = CaseWorkView.as_view(permission_policy=self.permission_policy, index_url_name=self.get_url_name("index"))
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            # Named "edit" so the listing links to the case page.
            path("<int:pk>/", work, name="edit"),
            path(
                "<int:pk>/files/<int:file_pk>/",
                CaseFileView.as_view(permission_policy=self.permission_policy),
                name="file",
            ),
        ]


class CaseCategoryViewSet(SnippetViewSet):
    """What partners choose when they open a case (translated like other snippets)."""

    model = CaseCategory
    icon = "tag"
    menu_label = _("Case categories")
    list_display = ["name", "code", "is_active", "sort_order"]
    list_filter = ["is_active"]


class SlaTargetViewSet(SnippetViewSet):
    """Business hours to the first answer and to resolution, per priority and tier."""

    model = SlaTarget
    icon = "time"
    menu_label = _("SLA targets")
    list_display = ["priority", "tier", "first_response_hours", "resolution_hours"]
    list_filter = ["priority"]


class SupportHolidayViewSet(SnippetViewSet):
    """Days the SLA clocks stop (business hours are in Settings → Support settings)."""

    model = SupportHoliday
    icon = "date"
    menu_label = _("Holidays")
    list_display = ["date", "name"]


class SupportViewSetGroup(ModelViewSetGroup):
    menu_label = _("Support")
    menu_icon = "help"
    menu_order = 320
    items = (CaseQueueViewSet, CaseCategoryViewSet, SlaTargetViewSet, SupportHolidayViewSet)


register_snippet(SupportViewSetGroup)


@hooks.register("partner_navigation_items")
def support_navigation_items():
    return [
        NavigationItem(key="support", label=_("Support"), url="support:case_list", icon="lifebuoy", order=50),
        NavigationItem(
            key="notifications", label=_("Notifications"), url="support:notifications", icon="bell", order=55
        ),
    ]


@hooks.register("partner_header_notifications")
def notification_bell(request):
    """The shell's bell: unread count and the notification list. Nothing
    unread leaves the slot to other hooks (the shell shows the first with a
    count); the list stays one tap away under Notifications in the menu."""
    if partner_context(request.user) is None:
        return None
    count = notification_unread_count(user=request.user)
    if not count:
        return None
    label = ngettext("%(count)s unread notification", "%(count)s unread notifications", count) % {"count": count}
    return {"count": count, "url": reverse("support:notifications"), "label": label}


@hooks.register("partner_dashboard_panels")
def support_panel(request):
    return SupportPanel(request)


@hooks.register("organization_data_export")
def support_export_sections(organization):
    """The organization's cases, their public messages and files (internal notes stay with the vendor)."""
    return [
        queryset_section("support_cases", Case.objects.filter(organization=organization)),
        queryset_section(
            "support_messages",
            CaseMessage.objects.filter(case__organization=organization, is_internal=False),
            exclude=("email_message_id",),
        ),
        queryset_section(
            "support_attachments",
            CaseAttachment.objects.filter(case__organization=organization, is_internal=False),
            file_field="file",
        ),
    ]
