from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..forms import ColleagueInviteForm
from ..models import Invitation, Membership, PartnerRole
from ..services.team import colleague_invite, invitation_revoke, membership_deactivate
from ..tenancy import get_scoped_or_404, partner_required, scoped


@partner_required()
def team(request):
    """Everyone sees their colleagues; owners invite and remove them."""
    is_owner = request.partner.has_role(PartnerRole.OWNER)
    form = ColleagueInviteForm(request.POST or None)
    if request.method == "POST":
        if not is_owner:
            return redirect("programs:team")
        if form.is_valid():
            try:
                colleague_invite(
                    organization=request.partner.organization,
                    email=form.cleaned_data["email"],
                    roles=form.cleaned_data["roles"],
                    actor=request.user,
                    base_url=settings.WAGTAILADMIN_BASE_URL,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
                return redirect("programs:team")
    members = scoped(Membership.objects.select_related("user"), request.user).order_by("-is_active", "user__last_name")
    pending = scoped(Invitation.objects.filter(accepted_at=None, revoked_at=None), request.user)
    return render(
        request,
        "programs/team.html",
        {"members": members, "pending": pending, "form": form, "is_owner": is_owner},
        status=400 if form.errors else 200,
    )


@require_POST
@partner_required(PartnerRole.OWNER)
def member_deactivate(request, membership_id: int):
    membership = get_scoped_or_404(Membership.objects.all(), request.user, pk=membership_id)
    try:
        membership_deactivate(membership=membership, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(name)s can no longer use the portal.") % {"name": membership.user})
    return redirect("programs:team")


@require_POST
@partner_required(PartnerRole.OWNER)
def invitation_revoke_view(request, invitation_id: int):
    invitation = get_scoped_or_404(Invitation.objects.all(), request.user, pk=invitation_id)
    try:
        invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("programs:team")
