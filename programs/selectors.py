"""Read queries of the partner program."""

from .services.tiers import tier_progress
from .tenancy import PartnerContext


def dashboard_panels(partner: PartnerContext) -> dict:
    """What the partner dashboard shows; each area contributes its panel."""
    return {"tier_progress": tier_progress(organization=partner.organization)}
