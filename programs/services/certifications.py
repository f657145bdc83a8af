from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Certification, Membership, PartnerOrganization, PersonCertification
from .tiers import tier_evaluation_request


@transaction.atomic
def certification_record(
    *,
    organization: PartnerOrganization,
    user,
    certification: Certification,
    earned_at: datetime,
    expires_at: datetime | None = None,
) -> PersonCertification:
    """Record a certification a partner person earned; the tier is re-evaluated."""
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise ValueError(_("The person does not belong to this organization."))
    if expires_at is None and certification.validity_months:
        expires_at = earned_at + timedelta(days=round(certification.validity_months * 365.25 / 12))
    earned = PersonCertification.objects.create(
        organization=organization, user=user, certification=certification, earned_at=earned_at, expires_at=expires_at
    )
    tier_evaluation_request(organization=organization, reason=_("Certification earned: %s") % certification.name)
    return earned
