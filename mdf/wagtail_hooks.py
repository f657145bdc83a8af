"""Market development funds in the Wagtail admin, as one menu group for
Finance, Channel ops and (for their portfolio) channel account managers.

Requests, claims, the ledger and the audit trail change only through
mdf.services (the review pages), so their listings have no add, edit or
delete; the permission policies narrow every listing to the portfolio."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from programs.admin_deletes import NoBulkDelete
from programs.navigation import NavigationItem
from programs.services.data_rights import queryset_section
from programs.wagtail_hooks import PortfolioFilterSet, PortfolioPermissionPolicy, PortfolioViewSet, money_column

from . import admin_views
from .components import MdfDashboardPanel
from .models import (
    ActivityType,
    Allocation,
    ApprovalRule,
    Claim,
    ClaimStatus,
    FundRequest,
    LedgerEntry,
    MdfEvent,
    MdfProgram,
    ProofOfPerformance,
    RequestStatus,
)
from .views import VIEW_ROLES

# Registered before the viewsets below, which pick them up. Requests and
# claims are "change"d through the review pages only: the generic edit is off.
for scoped_model, read_only in (
    (Allocation, False),
    (FundRequest, False),
    (Claim, False),
    (LedgerEntry, True),
    (MdfEvent, True),
):
    register_permission_policy(
        scoped_model, PortfolioPermissionPolicy(scoped_model, "organization", read_only=read_only)
    )


class ListOnlyMixin(NoBulkDelete):
    """Listings whose rows change through services: no add, edit, copy or delete (bulk delete neither)."""

    copy_view_enabled = False

    def register_admin_url_finder(self):
        # No edit view: the admin (choosers, "edit" links) must not look for one;
        # requests and claims are reviewed on their own pages (mdf_admin_request, mdf_admin_claim).
        pass

    def get_urlpatterns(self):
        kept = ("list", "list_results")
        return [pattern for pattern in super().get_urlpatterns() if pattern.name in kept]

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in (
            "add_url_name",
            "edit_url_name",
            "delete_url_name",
            "history_url_name",
            "usage_url_name",
            "copy_url_name",
            "inspect_url_name",
        ):
            view_kwargs[name] = None
        return view_kwargs


class MdfProgramViewSet(SnippetViewSet):
    """Programs per period: budget, allocation method, tier terms, eligible
    activities, reimbursement and claim deadline. "Generate allocations" on
    each row shares the budget out."""

    model = MdfProgram
    icon = "date"
    menu_label = _("Programs")
    list_display = [
        "name",
        "starts_on",
        "ends_on",
        money_column(MdfProgram, "budget"),
        "allocation_method",
        "is_active",
    ]
    list_filter = ["is_active", "allocation_method", "period_kind"]
    copy_view_enabled = False


class ActivityTypeViewSet(SnippetViewSet):
    """Eligible activity types (translatable)."""

    model = ActivityType
    icon = "tag"
    menu_label = _("Activity types")
    list_display = ["name", "code", "reimbursement_percent", "is_active"]
    copy_view_enabled = False


class ApprovalRuleViewSet(SnippetViewSet):
    """Ordered pre-approval rules: the first active rule whose conditions hold decides."""

    model = ApprovalRule
    icon = "resubmit"
    menu_label = _("Approval rules")
    list_display = ["name", "action", "first_reviewer", "second_group", "sla_hours", "is_active"]
    list_filter = ["action", "is_active"]


class AllocationFilterSet(PortfolioFilterSet):
    class Meta:
        model = Allocation
        fields = ["program", "organization"]


class AllocationViewSet(ListOnlyMixin, PortfolioViewSet):
    model = Allocation
    icon = "form"
    menu_label = _("Allocations")
    list_display = ["organization", "program", "created_at", "expired_at"]
    filterset_class = AllocationFilterSet


class FundRequestFilterSet(PortfolioFilterSet):
    class Meta:
        model = FundRequest
        fields = ["status", "activity_type", "organization", "escalated", "reviewer_group"]


class FundRequestViewSet(ListOnlyMixin, PortfolioViewSet):
    """Requests with status and reviewer; "Review" opens the decision page."""

    model = FundRequest
    icon = "tasks"
    menu_label = _("Requests")
    list_display = [
        "title",
        "organization",
        "status",
        money_column(FundRequest, "requested_amount"),
        "reviewer_user",
        "reviewer_group",
        "waiting_since",
    ]
    filterset_class = FundRequestFilterSet
    search_fields = ["title"]
    ordering = ["-submitted_at"]
    list_export = [
        "title",
        "organization",
        "activity_type",
        "status",
        "requested_amount",
        "committed_amount",
        "currency",
        "starts_on",
        "ends_on",
        "submitted_at",
    ]


class ClaimFilterSet(PortfolioFilterSet):
    class Meta:
        model = Claim
        fields = ["status", "organization"]


class ClaimViewSet(ListOnlyMixin, PortfolioViewSet):
    """Claims to review and, once approved, to pay."""

    model = Claim
    icon = "doc-full"
    menu_label = _("Claims")
    list_display = [
        "request",
        "organization",
        "status",
        money_column(Claim, "claimed_amount"),
        money_column(Claim, "approved_amount"),
        "submitted_at",
    ]
    filterset_class = ClaimFilterSet
    ordering = ["-submitted_at"]
    list_export = [
        "request",
        "organization",
        "status",
        "actual_cost",
        "claimed_amount",
        "approved_amount",
        "currency",
        "payment_reference",
        "paid_on",
        "submitted_at",
    ]


class LedgerFilterSet(PortfolioFilterSet):
    class Meta:
        model = LedgerEntry
        fields = ["kind", "organization"]


class LedgerEntryViewSet(PortfolioViewSet):
    """Every movement of money, with actor, time and reason: read-only."""

    model = LedgerEntry
    icon = "list-ul"
    menu_label = _("Ledger")
    list_display = ["at", "organization", "kind", money_column(LedgerEntry, "amount"), "request", "actor", "reason"]
    filterset_class = LedgerFilterSet
    ordering = ["-at"]
    copy_view_enabled = False
    inspect_view_enabled = True
    list_export = [
        "at",
        "organization",
        "allocation",
        "kind",
        "amount",
        "currency",
        "request",
        "claim",
        "actor",
        "reason",
    ]


class MdfEventFilterSet(PortfolioFilterSet):
    class Meta:
        model = MdfEvent
        fields = ["kind", "organization"]


class MdfEventViewSet(PortfolioViewSet):
    """Every request and claim state change with actor, time and before/after: read-only."""

    model = MdfEvent
    icon = "history"
    menu_label = _("MDF history")
    list_display = ["request", "kind", "organization", "actor", "from_status", "to_status", "at"]
    filterset_class = MdfEventFilterSet
    ordering = ["-at"]
    copy_view_enabled = False
    inspect_view_enabled = True


class MdfGroup(SnippetViewSetGroup):
    menu_label = _("Market development funds")
    menu_icon = "pick"
    menu_order = 350
    items = (
        FundRequestViewSet,
        ClaimViewSet,
        AllocationViewSet,
        LedgerEntryViewSet,
        MdfEventViewSet,
        MdfProgramViewSet,
        ActivityTypeViewSet,
        ApprovalRuleViewSet,
    )

    def get_submenu_items(self):
        items = super().get_submenu_items()
        items.append(ReportMenuItem(_("ROI report"), reverse("mdf_admin_report"), icon_name="view", order=1000))
        return items


class ReportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("mdf.view_fundrequest")


register_snippet(MdfGroup)


@hooks.register("register_admin_urls")
def mdf_admin_urls():
    return [
        path("mdf/programs/<int:pk>/generate/", admin_views.program_generate, name="mdf_admin_generate"),
        path("mdf/allocation/<int:pk>/", admin_views.allocation_detail, name="mdf_admin_allocation"),
        path("mdf/request/<int:pk>/", admin_views.request_review, name="mdf_admin_request"),
        path("mdf/claim/<int:pk>/", admin_views.claim_review, name="mdf_admin_claim"),
        path("mdf/report/", admin_views.report, name="mdf_admin_report"),
    ]


@hooks.register("register_snippet_listing_buttons")
def mdf_listing_buttons(snippet, user, next_url=None):
    if isinstance(snippet, MdfProgram) and snippet.is_active and user.has_perm("mdf.add_allocation"):
        yield ListingButton(
            _("Generate allocations"),
            reverse("mdf_admin_generate", args=[snippet.pk]),
            priority=5,
            attrs={
                "data-controller": "w-action",
                "data-w-action-url-value": reverse("mdf_admin_generate", args=[snippet.pk]),
            },
        )
    if isinstance(snippet, Allocation):
        yield ListingButton(_("Ledger and adjust"), reverse("mdf_admin_allocation", args=[snippet.pk]), priority=5)
    if isinstance(snippet, FundRequest):
        label = _("Review") if snippet.status == RequestStatus.PENDING else _("Open")
        yield ListingButton(label, reverse("mdf_admin_request", args=[snippet.pk]), priority=5)
    if isinstance(snippet, Claim):
        label = {ClaimStatus.SUBMITTED: _("Review"), ClaimStatus.APPROVED: _("Record payment")}.get(
            snippet.status, _("Open")
        )
        yield ListingButton(label, reverse("mdf_admin_claim", args=[snippet.pk]), priority=5)


@hooks.register("partner_dashboard_panels")
def mdf_dashboard_panel(request):
    return MdfDashboardPanel(request) or None


@hooks.register("partner_navigation_items")
def mdf_navigation_items():
    return [NavigationItem(key="mdf", label=_("Funds"), url="mdf:home", icon="banknotes", roles=VIEW_ROLES, order=45)]


@hooks.register("organization_data_export")
def mdf_export_sections(organization):
    """The organization's allocations, ledger, requests, claims and proof files."""
    return [
        queryset_section("mdf_allocations", Allocation.objects.filter(organization=organization)),
        queryset_section("mdf_ledger", LedgerEntry.objects.filter(organization=organization)),
        queryset_section("mdf_requests", FundRequest.objects.filter(organization=organization)),
        queryset_section("mdf_claims", Claim.objects.filter(organization=organization)),
        queryset_section("mdf_proof", ProofOfPerformance.objects.filter(organization=organization), file_field="file"),
        queryset_section("mdf_history", MdfEvent.objects.filter(organization=organization), exclude=("note",)),
    ]
