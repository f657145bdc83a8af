from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..models import Certification, EarnedThrough, Membership, PartnerOrganization, PersonCertification
from .tiers import tier_evaluation_request


def certification_expiry(*, certification: Certification, earned_at: datetime) -> datetime | None:
    """When a certification earned at ``earned_at`` lapses (None: never)."""
    if not certification.validity_months:
        return None
    return earned_at + timedelta(days=round(certification.validity_months * 365.25 / 12))


@transaction.atomic
def certification_record(
    *,
    organization: PartnerOrganization,
    user,
    certification: Certification,
    earned_at: datetime,
    expires_at: datetime | None = None,
    earned_through: str = EarnedThrough.RECORDED,
    earned_for: str = "",
) -> PersonCertification:
    """Record a certification a partner person earned; the tier is re-evaluated.

    Gated content, deal registration for the certification's product line and
    SPIFF eligibility read the held certifications by date, so they follow
    without anything being copied."""
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(_("The person does not belong to this organization."))
    if expires_at is None:
        expires_at = certification_expiry(certification=certification, earned_at=earned_at)
    earned = PersonCertification.objects.create(
        organization=organization,
        user=user,
        certification=certification,
        earned_at=earned_at,
        expires_at=expires_at,
        earned_through=earned_through,
        earned_for=earned_for[:255],
    )
    tier_evaluation_request(organization=organization, reason=_("Certification earned: %s") % certification.name)
    return earned


@transaction.atomic
def certification_correct(*, held: PersonCertification) -> PersonCertification:
    """Save a corrected record (certification, dates) entered by vendor staff;
    the tier is re-evaluated, as when one is earned or expires."""
    held.save()
    tier_evaluation_request(
        organization=held.organization, reason=_("Certification corrected: %s") % held.certification.name
    )
    return held


def certification_removed(*, organization: PartnerOrganization, certification: Certification) -> None:
    """After a recorded certification was deleted: re-evaluate the tier."""
    tier_evaluation_request(organization=organization, reason=_("Certification removed: %s") % certification.name)


@transaction.atomic
def certification_delete(*, held: PersonCertification, user) -> None:
    """Vendor staff delete a recorded certification (entered by mistake):
    the admin history says who and when, and the tier is re-evaluated.
    Raises ``ValidationError`` when it is already gone."""
    rows = PersonCertification.objects.select_for_update(of=("self",)).select_related("certification", "organization")
    stored = rows.filter(pk=held.pk).first()
    if stored is None:
        raise ValidationError(_("This certification was already deleted."), code="already_deleted")
    log(instance=stored, action="wagtail.delete", user=user, deleted=True)
    organization, certification = stored.organization, stored.certification
    stored.delete()
    certification_removed(organization=organization, certification=certification)
