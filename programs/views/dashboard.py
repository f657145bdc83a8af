from django.shortcuts import render

from ..dashboard import dashboard_panels_for
from ..selectors import dashboard_panels
from ..tenancy import partner_may_open, partner_required


@partner_required()
def dashboard(request):
    """Where a partner lands after logging in: their standing and next steps.

    Other areas add panels through the ``partner_dashboard_panels`` hook
    (``programs.dashboard``); role dashboards in the admin choose and order them."""
    contributed = dashboard_panels_for(request, request.partner)
    panels = dashboard_panels(request.partner)
    for step in panels.get("onboarding_checklist", ()):
        # A step another role completes (the owner signs the agreement) is named, not linked.
        if step.get("url") and not partner_may_open(request.partner, step["url"]):
            step["url"] = ""
    return render(
        request,
        "programs/dashboard.html",
        {"partner": request.partner, "contributed_panels": contributed, **panels},
    )
