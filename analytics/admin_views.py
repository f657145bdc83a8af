"""Vendor staff's view of a partner's scorecard (and its PDF): the
organization is looked up through the staff member's portfolio, so a CAM
opens only their partners' scorecards (channel ops with view-all: every one)."""

from django.template.response import TemplateResponse
from django.urls import reverse

from programs.models import PartnerOrganization
from programs.tenancy import get_scoped_or_404

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
