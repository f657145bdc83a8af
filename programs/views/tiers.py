from django.shortcuts import render

from ..selectors import tier_unlocks
from ..services.tiers import tier_progress as tier_progress_for
from ..tenancy import partner_required


@partner_required()
def tier_progress(request):
    """The partner's tier, its benefits (pages it unlocks included), and what the next tier still needs."""
    progress = tier_progress_for(organization=request.partner.organization)
    unlocks = tier_unlocks(partner=request.partner, progress=progress)
    return render(
        request,
        "programs/tier_progress.html",
        {"partner": request.partner, "progress": progress, "unlocks": unlocks},
    )
