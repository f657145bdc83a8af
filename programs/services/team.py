"""Partner owners manage their own colleagues."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Invitation, Membership, PartnerRole
from .api_tokens import api_tokens_revoke_all
from .onboarding import first_action_record, invitation_create


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor) -> Membership:
    """Take a colleague off the portal; owners keep at least one active owner."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.user_id == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself; ask another owner."))
    if PartnerRole.OWNER in membership.roles:
        other_owners = [
            other
            for other in Membership.objects.select_for_update()
            .filter(organization=membership.organization, is_active=True)
            .exclude(pk=membership.pk)
            if PartnerRole.OWNER in other.roles
        ]
        if not other_owners:
            raise ValidationError(_("The organization must keep at least one active owner."))
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    # Their integrations stop with them.
    api_tokens_revoke_all(user=membership.user, actor=actor)
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError(_("This invitation was already used."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def colleague_invite(*, organization, email: str, roles: list[str], actor, base_url: str):
    """An owner invites a colleague: counts as the organization's first action."""
    invitation, url = invitation_create(
        organization=organization, email=email, roles=roles, invited_by=actor, base_url=base_url
    )
    first_action_record(organization)
    return invitation, url


@transaction.atomic
def membership_preferences_update(*, membership: Membership, preferred_language: str, time_zone: str) -> Membership:
    """A partner user's own language (empty: the organization's) and time zone
    (empty: the portal's), used for their pages, emails and downloads."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership.preferred_language, membership.time_zone = preferred_language, time_zone
    membership.full_clean()
    membership.save(update_fields=["preferred_language", "time_zone"])
    return membership
