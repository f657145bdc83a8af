"""Analytics in the Wagtail admin: scorecard targets per tier and role
dashboards (one menu group), partners' scorecards for their CAM and channel
ops; on the partner side the scorecard's dashboard panel and navigation item."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from programs.models import PartnerOrganization
from programs.navigation import NavigationItem
from programs.services.data_rights import queryset_section

from . import admin_views
from .components import PortfolioPanel, ScorecardPanel
from .dashboards import dashboard_layout
from .models import ActivityEvent, DashboardPanelEntry, ScorecardTarget
from .portfolio import may_see_portfolio
from .program import may_read_program_analytics
from .views import SCORECARD_ROLES


class ScorecardTargetViewSet(SnippetViewSet):
    """What the program expects per quarter of a partner in each tier (shown on scorecards)."""

    model = ScorecardTarget
    icon = "pick"
    menu_label = _("Scorecard targets")
    list_display = ["tier", "won_revenue", "pipeline", "win_rate", "registrations", "certified_people"]
    copy_view_enabled = False


class DashboardPanelEntryViewSet(SnippetViewSet):
    """Which dashboard panels each partner role sees, and in which order."""

    model = DashboardPanelEntry
    icon = "grip"
    menu_label = _("Dashboard panels")
    list_display = ["panel", "roles", "position"]


class AnalyticsViewSetGroup(SnippetViewSetGroup):
    items = (ScorecardTargetViewSet, DashboardPanelEntryViewSet)
    menu_icon = "table"
    menu_label = _("Analytics")
    menu_name = "analytics"
    menu_order = 450


register_snippet(AnalyticsViewSetGroup)


@hooks.register("register_admin_urls")
def analytics_admin_urls():
    return [
        path("analytics/scorecard/<int:pk>/", admin_views.scorecard, name="analytics_admin_scorecard"),
        path("analytics/scorecard/<int:pk>/pdf/", admin_views.scorecard_pdf, name="analytics_admin_scorecard_pdf"),
        path("analytics/portfolio/", admin_views.portfolio, name="analytics_admin_portfolio"),
        path("analytics/program/", admin_views.program_report, name="analytics_admin_program"),
        path("analytics/content/", admin_views.content_report, name="analytics_admin_content"),
    ]


class ProgramReportMenuItem(MenuItem):
    def is_shown(self, request):
        return may_read_program_analytics(request.user)


@hooks.register("register_reports_menu_item")
def program_report_menu_item():
    return ProgramReportMenuItem(
        _("Program analytics"), reverse("analytics_admin_program"), icon_name="table", order=300
    )


class ContentUsageMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_portfolio(request.user)


@hooks.register("register_reports_menu_item")
def content_usage_menu_item():
    return ContentUsageMenuItem(_("Content usage"), reverse("analytics_admin_content"), icon_name="doc-full", order=301)


@hooks.register("construct_homepage_panels")
def portfolio_home_panel(request, panels):
    if may_see_portfolio(request.user):
        panels.append(PortfolioPanel(request))


@hooks.register("register_snippet_listing_buttons")
def scorecard_listing_button(snippet, user, next_url=None):
    # The organization listing is already the staff member's portfolio.
    if isinstance(snippet, PartnerOrganization):
        yield ListingButton(_("Scorecard"), reverse("analytics_admin_scorecard", args=[snippet.pk]), priority=20)


@hooks.register("partner_dashboard_panels")
def scorecard_panel(request):
    return ScorecardPanel(request) or None


scorecard_panel.panel_label = _("Performance scorecard")


@hooks.register("partner_dashboard_layout")
def role_dashboard_layout(partner, keys):
    return dashboard_layout(partner, keys)


@hooks.register("partner_navigation_items")
def analytics_navigation_items():
    return [
        NavigationItem(
            key="scorecard",
            label=_("Scorecard"),
            url="analytics:scorecard",
            icon="chart-bar",
            roles=SCORECARD_ROLES,
            order=35,
        )
    ]


@hooks.register("organization_data_export")
def analytics_export_sections(organization):
    """The organization's recorded portal activity (who, what kind, which record, when)."""
    return [queryset_section("portal_activity", ActivityEvent.objects.filter(organization=organization))]
