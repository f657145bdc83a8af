"""Vendor staff's view of a partner's scorecard (and its PDF): the
organization is looked up through the staff member's portfolio, so a CAM
opens only their partners' scorecards (channel ops with view-all: every one)."""

import csv

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from wagtail.models import Locale

from programs.models import PartnerOrganization, PartnerType, Region, Tier
from programs.tenancy import VIEW_ALL_PERMISSION, get_scoped_or_404

from .portfolio import may_see_portfolio, portfolio_attention
from .program import (
    ACTIVE_TARGET_PERCENT,
    FIRST_ACTION_TARGET_DAYS,
    ProgramFilters,
    active_accounts_chart,
    median_days_to_first_action,
    median_days_to_first_deal,
    pipeline_and_revenue,
    portal_health,
    registration_funnel,
)
from .scorecard import organization_scorecard
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


def portfolio(request):
    """The whole portfolio ranked by attention; channel ops filter it by CAM,
    tier, region and partner type (parameters in the URL)."""
    if not may_see_portfolio(request.user):
        raise PermissionDenied
    filters = []
    if request.user.is_superuser or request.user.has_perm(VIEW_ALL_PERMISSION):
        managers = get_user_model().objects.filter(managed_organizations__isnull=False).distinct()
        cam = {
            "name": "cam",
            "label": _("Channel account manager"),
            "choices": [(user.pk, user.get_full_name() or user.get_username()) for user in managers],
            "selected": request.GET.get("cam", ""),
        }
        filters = [cam, *_organization_filters(request.GET)]
    rows = portfolio_attention(user=request.user, filters=request.GET)
    return TemplateResponse(request, "analytics/admin/portfolio.html", {"rows": rows, "filters": filters})


#: the breakdown tables of the report: dimension -> (title, column heading)
BREAKDOWN_TABLES = {
    "tier": (_("Pipeline and revenue by tier"), _("Tier")),
    "type": (_("Pipeline and revenue by partner type"), _("Partner type")),
    "region": (_("Pipeline and revenue by region"), _("Region")),
}


def program_report(request):
    """Portal health, registration conversion, and pipeline and revenue by
    tier, partner type and region for channel ops; the weekly table as CSV
    with ``?export=csv``, a breakdown with ``?export=<dimension>``."""
    if not (request.user.is_superuser or request.user.has_perm(VIEW_ALL_PERMISSION)):
        raise PermissionDenied
    filters = ProgramFilters.from_query(request.GET, today=timezone.localdate())
    export = request.GET.get("export", "")
    if export in BREAKDOWN_TABLES:
        return _breakdown_csv(export, pipeline_and_revenue(filters, by=export))
    weeks = portal_health(filters)
    if export == "csv":
        return _weeks_csv(weeks)
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
            "organization_filters": _organization_filters(request.GET),
            "export_query": request.GET.urlencode(),
        },
    )


def _breakdown_csv(dimension: str, rows: list[dict]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="pipeline-by-{dimension}.csv"'
    currency = rows[0]["currency"] if rows else ""
    writer = csv.writer(response)
    writer.writerow(
        [
            BREAKDOWN_TABLES[dimension][1],
            _("Partners"),
            f"{_('Pipeline registered')} ({currency})",
            f"{_('Won revenue')} ({currency})",
        ]
    )
    writer.writerows([row["name"], row["partners"], row["pipeline"], row["won"]] for row in rows)
    return response


def _weeks_csv(weeks) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portal-health.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Week starting"),
            _("Active accounts"),
            _("Partner accounts"),
            _("Active accounts (%)"),
            _("Registrations"),
            _("Active partners"),
            _("Registrations per active partner"),
        ]
    )
    for week in weeks:
        writer.writerow(
            [
                week.start.isoformat(),
                week.active_accounts,
                week.accounts,
                week.active_percent if week.active_percent is not None else "",
                week.registrations,
                week.active_partners,
                week.registrations_per_active_partner if week.registrations_per_active_partner is not None else "",
            ]
        )
    return response
