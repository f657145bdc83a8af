"""A partner organization's standing on the portal."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Membership, OrganizationStatus, PartnerOrganization
from ..tenancy import PORTAL_STATUSES
from .api_tokens import api_tokens_revoke_all


@transaction.atomic
def organization_status_change(*, organization: PartnerOrganization, status: str, actor) -> PartnerOrganization:
    """Move the organization to ``status``. An organization taken off the
    portal (suspended, terminated) loses every member's API tokens at once:
    its integrations must stop with its people, not wait for a login check."""
    if status not in OrganizationStatus.values:
        raise ValidationError(_("Choose one of the organization statuses."))
    organization = PartnerOrganization.objects.select_for_update().get(pk=organization.pk)
    if organization.status == status:
        return organization
    organization.status = status
    organization.save(update_fields=["status"])
    if status not in PORTAL_STATUSES:
        for membership in Membership.objects.filter(organization=organization).select_related("user"):
            api_tokens_revoke_all(user=membership.user, actor=actor)
    return organization
