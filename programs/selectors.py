"""Read queries of the partner program."""

from .models import OrganizationStatus
from .services.onboarding import onboarding_checklist
from .services.tiers import tier_progress
from .tenancy import PartnerContext


def dashboard_panels(partner: PartnerContext) -> dict:
    """What the partner dashboard shows; each area contributes its panel."""
    organization = partner.organization
    panels = {"tier_progress": tier_progress(organization=organization)}
    if organization.status == OrganizationStatus.ONBOARDING:
        panels["onboarding_checklist"] = onboarding_checklist(organization=organization)
    return panels
