from laces.components import Component

from . import selectors
from .models import ACTIVE_CASE_STATUSES


class SupportPanel(Component):
    """The partner dashboard's open cases with their SLA, and the way to open one
    (two taps from the dashboard to a new case)."""

    template_name = "support/_dashboard_panel.html"
    order = 60

    def __init__(self, request):
        cases = selectors.case_list(user=request.user).filter(status__in=ACTIVE_CASE_STATUSES)[:3]
        self.cases = [(case, selectors.case_sla_summary(case=case)) for case in cases]

    def get_context_data(self, parent_context=None):
        return {"cases": self.cases}
