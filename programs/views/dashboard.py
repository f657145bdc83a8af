from django.shortcuts import render

from ..selectors import dashboard_panels
from ..tenancy import partner_required


@partner_required()
def dashboard(request):
    """Where a partner lands after logging in: their standing and next steps."""
    return render(request, "programs/dashboard.html", {"partner": request.partner, **dashboard_panels(request.partner)})
