"""Read queries of the partner program."""

from dataclasses import replace

from wagtail import hooks
from wagtail.models import APIToken

from .audience import Reader
from .models import Certification, Membership, OrganizationExport, OrganizationStatus, PartnerRole, PersonCertification
from .services.onboarding import onboarding_checklist
from .services.tiers import TierProgress, tier_progress
from .tenancy import PartnerContext, scoped


def dashboard_panels(partner: PartnerContext) -> dict:
    """What the partner dashboard shows; each area contributes its panel."""
    organization = partner.organization
    panels = {"tier_progress": tier_progress(organization=organization)}
    if organization.status == OrganizationStatus.ONBOARDING:
        panels["onboarding_checklist"] = onboarding_checklist(organization=organization)
    return panels


def tier_unlocks(*, partner: PartnerContext, progress: TierProgress) -> list[dict]:
    """For the partner's current and next tier, the portal pages reserved for
    it: ``{"tier": tier, "pages": [(title, url), ...]}``, tiers without pages left out.

    Pages belong to other areas, so they answer through the
    ``tier_unlocked_pages`` hook: a function taking the tier and the partner's
    reader as it would be in that tier, returning (title, url) pairs."""
    reader = Reader.for_user(partner.user)
    unlocks = []
    for tier in (progress.current_tier, progress.next_tier):
        if tier is None:
            continue
        in_tier = replace(reader, tiers=frozenset({str(tier.translation_key)}), cache={})
        pages = [page for hook in hooks.get_hooks("tier_unlocked_pages") for page in hook(tier, in_tier)]
        if pages:
            unlocks.append({"tier": tier, "pages": pages})
    return unlocks


def partner_api_tokens(partner: PartnerContext):
    """Active API tokens the partner user manages: their own; an owner's also
    those of every colleague in the organization."""
    tokens = APIToken.objects.filter(revoked_at__isnull=True).select_related("user").order_by("-created")
    if partner.has_role(PartnerRole.OWNER):
        return tokens.filter(user__in=scoped(Membership.objects.all(), partner.user).values("user"))
    return tokens.filter(user=partner.user)


def organization_exports(partner: PartnerContext):
    """The data exports of the partner's organization (owners only reach the views)."""
    return (
        scoped(OrganizationExport.objects.all(), partner.user)
        .filter(organization=partner.organization)
        .select_related("requested_by")
    )


def certified_product_lines(organization_id: int, *, at=None) -> set[str]:
    """Product lines (names or codes, lower case) someone in the organization
    holds a current certification for on ``at`` (now by default)."""
    return {
        name.strip().lower()
        for name in PersonCertification.objects.filter(organization_id=organization_id)
        .valid_at(at)
        .exclude(certification__product_line="")
        .values_list("certification__product_line", flat=True)
    }


def product_lines_locked_for(organization_id: int, product_lines) -> list:
    """Of ``product_lines``, those whose deal registration a certification
    gates and that nobody in the organization holds today."""
    gates = {
        name.strip().lower()
        for name in Certification.objects.filter(gates_deal_registration=True)
        .exclude(product_line="")
        .values_list("product_line", flat=True)
    }
    if not gates:
        return []
    held = certified_product_lines(organization_id)
    return [
        line
        for line in product_lines
        if {line.name.lower(), line.code.lower()} & gates and not {line.name.lower(), line.code.lower()} & held
    ]
