import django_filters
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from programs.navigation import NavigationItem
from programs.services.data_rights import ExportSection
from programs.services.exchange import program_currency
from programs.wagtail_hooks import PortfolioFilterSet, PortfolioPermissionPolicy, PortfolioViewSet, money_column

from .admin_views import (
    DealAttachmentView,
    DealReopenView,
    DealReviewIndexView,
    DealReviewView,
    LeadAdminView,
    LeadImportView,
    LeadIndexView,
)
from .models import (
    Campaign,
    DealRegistration,
    Lead,
    LeadDistributionRule,
    LeadEvent,
    RoutingRule,
)
from .selectors import without_rate
from .services.leads import LEAD_ROLES


class DealReviewFilterSet(PortfolioFilterSet):
    """Status "Won — awaiting confirmation" is the queue of reported outcomes."""

    needs_exchange_rate = django_filters.BooleanFilter(
        label=_("Won, not counted: no exchange rate"), method="filter_needs_exchange_rate"
    )

    class Meta:
        model = DealRegistration
        fields = ["status", "queue", "organization", "has_conflict", "extension_status", "needs_exchange_rate"]

    def filter_needs_exchange_rate(self, queryset, name, value):
        if value is None:
            return queryset
        missing = without_rate(queryset, program_currency()).values("pk")
        return queryset.filter(pk__in=missing) if value else queryset.exclude(pk__in=missing)


class LeadFilterSet(PortfolioFilterSet):
    class Meta:
        model = Lead
        fields = ["status", "campaign", "source", "organization"]


class DealReviewViewSet(ModelViewSet):
    """Registrations awaiting a decision (and every other one), filtered by
    status, queue, organization and conflict. Registrations are created by
    partners and changed through the review page only, so there is no add,
    edit or delete view."""

    model = DealRegistration
    icon = "tasks"
    menu_label = _("Registrations")
    url_prefix = "deals/registrations"
    index_view_class = DealReviewIndexView
    list_display = [
        "company_name",
        "organization",
        "status",
        "queue",
        "has_conflict",
        money_column(DealRegistration, "estimated_value"),
        money_column(DealRegistration, "final_amount"),
    ]
    filterset_class = DealReviewFilterSet
    search_fields = ["company_name", "normalized_name", "domain"]
    ordering = ["-submitted_at"]
    copy_view_enabled = False
    #: A million registrations would each add reference-index rows on every save.
    add_to_reference_index = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add_url_name", "delete_url_name", "history_url_name", "usage_url_name"):
            view_kwargs[name] = None
        return view_kwargs

    @property
    def review_view(self):
        return DealReviewView.as_view(
            permission_policy=self.permission_policy,
            index_url_name=self.get_url_name("index"),
            attachment_url_name=self.get_url_name("attachment"),
            reopen_url_name=self.get_url_name("reopen"),
        )

    @property
    def reopen_view(self):
        return DealReopenView.as_view(
            permission_policy=self.permission_policy,
            index_url_name=self.get_url_name("index"),
            review_url_name=self.get_url_name("edit"),
        )

    @property
    def attachment_view(self):
        return DealAttachmentView.as_view(permission_policy=self.permission_policy)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            # Named "edit" so the listing links to the review page.
            path("<int:pk>/", self.review_view, name="edit"),
            path("<int:pk>/attachment/", self.attachment_view, name="attachment"),
            path("<int:pk>/reopen/", self.reopen_view, name="reopen"),
        ]


class RoutingRuleViewSet(SnippetViewSet):
    """Ordered rules: the first active rule whose conditions all hold decides."""

    model = RoutingRule
    icon = "resubmit"
    menu_label = _("Routing rules")
    list_display = ["name", "action", "queue_name", "is_active"]
    list_filter = ["action", "is_active"]


class LeadAdminViewSet(ModelViewSet):
    """Vendor leads: filtered listing, a page per lead with its offers, audit
    trail and assignment by hand, and the CSV import (the add button). Leads
    change through those pages only (services), so there is no edit form."""

    model = Lead
    icon = "user"
    menu_label = _("Leads")
    url_prefix = "deals/leads"
    index_view_class = LeadIndexView
    list_display = ["company_name", "organization", "status", "country", "campaign", "respond_by", "created_at"]
    filterset_class = LeadFilterSet
    search_fields = ["company_name", "domain", "contact_email"]
    ordering = ["-created_at"]
    copy_view_enabled = False
    add_to_reference_index = False

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("delete_url_name", "history_url_name", "usage_url_name"):
            view_kwargs[name] = None
        return view_kwargs

    def _view(self, view_class):
        return view_class.as_view(permission_policy=self.permission_policy, index_url_name=self.get_url_name("index"))

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            # Named "add" and "edit" so the listing links to the import and to the lead's page.
            path("import/", self._view(LeadImportView), name="add"),
            path("<int:pk>/", self._view(LeadAdminView), name="edit"),
        ]


class CampaignViewSet(SnippetViewSet):
    """Marketing campaigns leads come from; converted deals keep them for attribution."""

    model = Campaign
    icon = "pick"
    menu_label = _("Campaigns")
    list_display = ["name", "code", "starts_on", "ends_on", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


class LeadDistributionRuleViewSet(SnippetViewSet):
    """Ordered rules: the first active rule that finds an organization offers the lead."""

    model = LeadDistributionRule
    icon = "resubmit"
    menu_label = _("Lead distribution rules")
    list_display = ["name", "action", "organization", "is_active"]
    list_filter = ["action", "is_active"]


register_permission_policy(LeadEvent, PortfolioPermissionPolicy(LeadEvent, "organization", read_only=True))


class LeadEventViewSet(PortfolioViewSet):
    """Every lead state change with its actor, time and before/after: read-only."""

    model = LeadEvent
    icon = "history"
    menu_label = _("Lead history")
    list_display = ["lead", "kind", "organization", "actor", "from_status", "to_status", "at"]
    list_filter = ["kind"]
    ordering = ["-at"]
    copy_view_enabled = False
    inspect_view_enabled = True


class DealsViewSetGroup(ModelViewSetGroup):
    menu_label = _("Deals")
    menu_icon = "tasks"
    menu_order = 300
    items = (
        DealReviewViewSet,
        RoutingRuleViewSet,
        LeadAdminViewSet,
        CampaignViewSet,
        LeadDistributionRuleViewSet,
        LeadEventViewSet,
    )


register_snippet(DealsViewSetGroup)


@hooks.register("partner_navigation_items")
def deal_navigation_items():
    return [
        NavigationItem(key="deals", label=_("Deals"), url="deals:list", icon="briefcase", order=20),
        NavigationItem(
            key="leads", label=_("Leads"), url="deals:lead_list", icon="inbox-arrow-down", roles=LEAD_ROLES, order=25
        ),
    ]


@hooks.register("organization_data_export")
def deal_export_sections(organization):
    """The organization's registrations with their history and attachments, and its leads."""
    deals = (
        DealRegistration.objects.filter(organization=organization)
        .select_related("submitted_by")
        .prefetch_related("product_lines", "events")
        .order_by("pk")
    )
    rows, files = [], []
    for deal in deals:
        rows.append(
            {
                "id": deal.pk,
                "company_name": deal.company_name,
                "domain": deal.domain,
                "country": deal.country,
                "contact_name": deal.contact_name,
                "contact_email": deal.contact_email,
                "contact_phone": deal.contact_phone,
                "product_lines": [line.code for line in deal.product_lines.all()],
                "estimated_value": deal.estimated_value,
                "currency": deal.currency,
                "expected_close_date": deal.expected_close_date,
                "stage": deal.stage,
                "status": deal.status,
                "submitted_by": deal.submitted_by.get_username() if deal.submitted_by else None,
                "notes": deal.notes,
                "attachment": f"files/{_attachment_path(deal)}" if deal.attachment else None,
                "events": [
                    {
                        "kind": event.kind,
                        "from_status": event.from_status,
                        "to_status": event.to_status,
                        "at": event.at,
                        "note_to_partner": event.partner_note,
                    }
                    for event in deal.events.all()
                ],
            }
        )
        if deal.attachment:
            files.append((_attachment_path(deal), deal.attachment))
    leads = Lead.objects.filter(organization=organization).order_by("pk")
    lead_rows = list(
        leads.values("id", "company_name", "domain", "country", "contact_name", "contact_email", "status", "offered_at")
    )
    return [ExportSection("deals", rows, files), ExportSection("leads", lead_rows)]


def _attachment_path(deal) -> str:
    return f"deals/{deal.pk}/{deal.attachment.name.rsplit('/', 1)[-1]}"
