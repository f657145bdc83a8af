"""Read queries of the partner program."""

from .tenancy import PartnerContext


def dashboard_panels(partner: PartnerContext) -> dict:
    """What the partner dashboard shows; each area contributes its panel."""
    return {}
