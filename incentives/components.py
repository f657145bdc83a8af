from django.utils import timezone
from laces.components import Component

from . import selectors
from .models import ProgramKind
from .services.disputes import DISPUTING_ROLES
from .services.rules import rules_in_force
from .services.statements import statement_totals

SALES_ROLES = ("owner", "sales")


class IncentivesPanel(Component):
    """The dashboard's incentive cards: sales see their accrued commissions
    and the active SPIFFs; finance (and owners) the next payout and open disputes."""

    template_name = "incentives/_dashboard_panel.html"
    order = 40

    def __init__(self, request):
        partner = getattr(request, "partner", None)
        self.for_sales = bool(partner and partner.has_role(*SALES_ROLES))
        self.for_finance = bool(partner and partner.has_role(*DISPUTING_ROLES))
        user = request.user
        self.totals = selectors.earnings_totals(user=user) if self.for_sales or self.for_finance else []
        self.active_spiffs = _open_spiff_count() if self.for_sales else 0
        self.next_payout = selectors.next_payout(user=user) if self.for_finance else None
        self.open_disputes = selectors.open_dispute_count(user=user) if self.for_finance else 0

    def __bool__(self):
        return self.for_sales or self.for_finance

    def get_context_data(self, parent_context=None):
        next_payout_totals = []
        if self.next_payout is not None:
            next_payout_totals = statement_totals(statement=self.next_payout)
        return {
            "for_sales": self.for_sales,
            "for_finance": self.for_finance,
            "totals": self.totals,
            "active_spiffs": self.active_spiffs,
            "next_payout": self.next_payout,
            "next_payout_totals": next_payout_totals,
            "open_disputes": self.open_disputes,
        }


def _open_spiff_count() -> int:
    """How many SPIFFs are open today (the programs page has what each one
    earned the partner: the card shows only the count, in one query)."""
    today = timezone.localdate()
    return sum(
        1
        for rules in rules_in_force(on=today, kinds=[ProgramKind.SPIFF])
        if rules.active and rules.starts_on and rules.ends_on and rules.starts_on <= today <= rules.ends_on
    )
