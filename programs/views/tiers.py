from django.shortcuts import render

from ..services.tiers import tier_progress as tier_progress_for
from ..tenancy import partner_required


@partner_required()
def tier_progress(request):
    """The partner's tier, its benefits, and what the next tier still needs."""
    progress = tier_progress_for(organization=request.partner.organization)
    return render(request, "programs/tier_progress.html", {"partner": request.partner, "progress": progress})
