"""Vendor staff's view of a partner's scorecard (and its PDF): the
organization is looked up through the staff member's portfolio, so a CAM
opens only their partners' scorecards (channel ops with view-all: every one)."""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.admin.paginator import WagtailPaginator
from wagtail.models import Locale

from programs.exports import export_format, table_response
from programs.models import PartnerOrganization, PartnerType, Region, Tier
from programs.tenancy import get_scoped_or_404, sees_every_partner

from .exports import BREAKDOWN_TABLES, content_table, program_tables
from .portfolio import may_see_portfolio, portfolio_ranking
from .program import (
    ACTIVE_TARGET_PERCENT,
    FIRST_ACTION_TARGET_DAYS,
    ProgramFilters,
    active_accounts_chart,
    may_read_program_analytics,
    median_days_to_first_action,
    median_days_to_first_deal,
    pipeline_and_revenue,
    portal_health,
    registration_funnel,
)
from .scorecard import organization_scorecard
from .selectors import downloads_by_asset, downloads_by_tier, mdf_by_activity_type, zero_result_queries
from .views import scorecard_pdf_response


def _organization(request, pk: int) -> PartnerOrganization:
    organizations = PartnerOrganization.objects.select_related("tier")
    return get_scoped_or_404(organizations, request.user, organization_field="", pk=pk)


def admin_links(organization) -> dict[str, str]:
    """Where staff find the records behind each figure: the admin listings, filtered to the partner."""
    deals = reverse("dealregistration:index") + f"?organization={organization.pk}"
    requests = reverse("wagtailsnippets_mdf_fundrequest:list") + f"?organization={organization.pk}"
    certifications = reverse("wagtailsnippets_programs_personcertification:list") + f"?organization={organization.pk}"
    return {
        "pipeline": deals,
        "registrations": deals,
        "won_revenue": deals,
        "win_rate": deals,
        "certified_people": certifications,
        "mdf_utilization": requests,
        "mdf_roi": requests,
    }


def scorecard(request, pk: int):
    organization = _organization(request, pk)
    card = organization_scorecard(organization=organization, links=admin_links(organization))
    return TemplateResponse(request, "analytics/admin/scorecard.html", {"card": card})


def scorecard_pdf(request, pk: int):
    return scorecard_pdf_response(request, organization_scorecard(organization=_organization(request, pk)))


def _organization_filters(query) -> list[dict]:
    """The tier, region and partner type selects of the staff reports, each
    with the value ``query`` (the URL parameters) chose."""
    default_locale = Locale.get_default()
    filters = [
        {
            "name": "tier",
            "label": _("Tier"),
            "choices": Tier.objects.filter(locale=default_locale).values_list("pk", "name"),
        },
        {"name": "region", "label": _("Region"), "choices": Region.objects.values_list("pk", "name")},
        {
            "name": "type",
            "label": _("Partner type"),
            "choices": PartnerType.objects.filter(locale=default_locale).values_list("pk", "name"),
        },
    ]
    for item in filters:
        item["selected"] = query.get(item["name"], "")
    return filters


#: partners per page of the whole portfolio
PORTFOLIO_PAGE_SIZE = 50


def portfolio(request):
    """The whole portfolio ranked by attention; channel ops filter it by CAM,
    tier, region and partner type (parameters in the URL)."""
    if not may_see_portfolio(request.user):
        raise PermissionDenied
    filters = []
    if sees_every_partner(request.user):
        managers = get_user_model().objects.filter(managed_organizations__isnull=False).distinct()
        cam = {
            "name": "cam",
            "label": _("Channel account manager"),
            "choices": [(user.pk, user.get_full_name() or user.get_username()) for user in managers],
            "selected": request.GET.get("cam", ""),
        }
        filters = [cam, *_organization_filters(request.GET)]
    ranking = portfolio_ranking(user=request.user, filters=request.GET)
    # One page of partners is loaded and worded; the ranking itself is ids.
    page = WagtailPaginator(ranking.ids, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("p"))
    rows = ranking.page(page.start_index() - 1, page.end_index()) if ranking.ids else []
    return TemplateResponse(
        request,
        "analytics/admin/portfolio.html",
        {
            "rows": rows,
            "filters": filters,
            "items": page,
            "elided_page_range": page.paginator.get_elided_page_range(page.number),
        },
    )


def program_report(request):
    """Portal health, registration conversion, pipeline and revenue by tier,
    partner type and region, and MDF against pipeline by activity type, for
    channel ops; each table downloads with ``?export=<table>&format=csv|xlsx``
    (``export=csv`` alone: the weekly table, as the first links had it)."""
    if not may_read_program_analytics(request.user):
        raise PermissionDenied
    filters = ProgramFilters.from_query(request.GET, today=timezone.localdate())
    export = request.GET.get("export", "")
    if export == "csv":
        export = "weeks"
    tables = program_tables()
    if export in tables:
        return table_response(tables[export](filters), export_format(request.GET))
    weeks = portal_health(filters)
    return TemplateResponse(
        request,
        "analytics/admin/program.html",
        {
            "filters": filters,
            "weeks": weeks,
            "chart": mark_safe(active_accounts_chart(weeks)),  # noqa: S308 - pygal's SVG, labels escaped by pygal
            "first_action_days": median_days_to_first_action(filters),
            "first_action_target": FIRST_ACTION_TARGET_DAYS,
            "first_deal_days": median_days_to_first_deal(filters),
            "active_target": ACTIVE_TARGET_PERCENT,
            "funnel": registration_funnel(filters),
            "breakdowns": [
                (key, title, heading, pipeline_and_revenue(filters, by=key))
                for key, (title, heading) in BREAKDOWN_TABLES.items()
            ],
            "mdf_rows": mdf_by_activity_type(filters),
            "organization_filters": _organization_filters(request.GET),
            "export_query": _export_query(request.GET),
        },
    )


def _export_query(query) -> str:
    """The filters of the page, for its download links (which add their own table and format)."""
    kept = query.copy()
    for name in ("export", "format"):
        kept.pop(name, None)
    return kept.urlencode()


def content_report(request):
    """Downloads per asset and per tier, and the searches that found nothing,
    in the date range, for the partners the staff member may see (a CAM's
    portfolio; every partner for channel ops); each table as CSV or XLSX."""
    if not may_see_portfolio(request.user):
        raise PermissionDenied
    filters = ProgramFilters.from_query(request.GET, today=timezone.localdate())
    export = request.GET.get("export", "")
    if export:
        table = content_table(export, filters, user=request.user)
        if table is not None:
            return table_response(table, export_format(request.GET))
    return TemplateResponse(
        request,
        "analytics/admin/content.html",
        {
            "filters": filters,
            "assets": downloads_by_asset(filters, user=request.user),
            "tiers": downloads_by_tier(filters, user=request.user),
            "searches": zero_result_queries(filters, user=request.user),
            "organization_filters": _organization_filters(request.GET),
            "export_query": _export_query(request.GET),
        },
    )
