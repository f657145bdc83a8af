"""CAM approval of proposed tier changes (Wagtail admin)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import ApplicationRejectForm as ReasonForm
from ..models import TierChange
from ..services.tiers import tier_change_approve, tier_change_reject
from ..tenancy import get_scoped_or_404

LISTING = "wagtailsnippets_programs_tierchange:list"


@require_http_methods(["GET", "POST"])
def decide(request, pk: int):
    if not request.user.has_perm("programs.change_tierchange"):
        raise PermissionDenied
    change = get_scoped_or_404(
        TierChange.objects.select_related("organization", "from_tier", "to_tier"), request.user, pk=pk
    )
    form = ReasonForm(request.POST or None)
    if request.method == "POST":
        try:
            if "approve" in request.POST:
                tier_change_approve(change=change, actor=request.user)
                messages.success(request, _("Tier change applied."))
                return redirect(LISTING)
            if form.is_valid():
                tier_change_reject(change=change, actor=request.user, reason=form.cleaned_data["reason"])
                messages.success(request, _("Tier change rejected."))
                return redirect(LISTING)
        except ValueError as error:
            messages.error(request, str(error))
    return TemplateResponse(request, "programs/admin/tier_change_decide.html", {"change": change, "form": form})
