from laces.components import Component

from programs.tenancy import partner_context

from . import selectors
from .views import REQUEST_ROLES, VIEW_ROLES


class MdfDashboardPanel(Component):
    """The partner dashboard's MDF card: available balance and what waits
    for the partner (changes asked for, approved activities to claim)."""

    template_name = "mdf/_dashboard_panel.html"
    order = 40

    def __init__(self, request):
        partner = partner_context(request.user)
        self.visible = partner is not None and partner.has_role(*VIEW_ROLES)
        self.balance = None
        self.waiting = []
        self.can_request = False
        if not self.visible:
            return
        allocation = selectors.current_allocation(organization=partner.organization)
        self.balance = selectors.allocation_balance(allocation=allocation) if allocation else None
        self.waiting = list(selectors.waiting_for_partner(user=request.user)[:5])
        self.can_request = partner.has_role(*REQUEST_ROLES) and allocation is not None

    def __bool__(self):
        return self.visible and (self.balance is not None or bool(self.waiting))

    def get_context_data(self, parent_context=None):
        return {"balance": self.balance, "waiting": self.waiting, "can_request": self.can_request}
