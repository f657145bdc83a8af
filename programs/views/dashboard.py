from django.shortcuts import render
from wagtail import hooks

from ..selectors import dashboard_panels
from ..tenancy import partner_may_open, partner_required


@partner_required()
def dashboard(request):
    """Where a partner lands after logging in: their standing and next steps.

    Other areas add panels through the ``partner_dashboard_panels`` hook: a
    function taking the request and returning a component (or None)."""
    contributed = [panel for hook in hooks.get_hooks("partner_dashboard_panels") if (panel := hook(request))]
    contributed.sort(key=lambda panel: getattr(panel, "order", 100))
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
