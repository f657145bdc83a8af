from laces.components import Component
from wagtail.admin.ui.components import Component as AdminComponent

from programs.tenancy import partner_context

from .models import PortfolioSettings
from .portfolio import portfolio_ranking
from .scorecard import organization_scorecard, partner_links
from .views import SCORECARD_ROLES

#: the figures the dashboard card shows (the page has them all)
PANEL_METRICS = ("won_revenue", "pipeline", "win_rate", "registrations")
#: the card compares this quarter with the last (the page shows four)
PANEL_QUARTERS = 2


class ScorecardPanel(Component):
    """The partner dashboard's scorecard card: this quarter's headline
    figures against target, and the way to the full scorecard."""

    template_name = "analytics/_scorecard_panel.html"
    order = 15

    def __init__(self, request):
        partner = partner_context(request.user)
        self.card = None
        if partner is not None and partner.has_role(*SCORECARD_ROLES):
            self.card = organization_scorecard(
                organization=partner.organization,
                links=partner_links(),
                only=PANEL_METRICS,
                quarter_count=PANEL_QUARTERS,
            )

    def __bool__(self):
        return self.card is not None

    def get_context_data(self, parent_context=None):
        return {"card": self.card, "tiles": self.card.tiles}


class PortfolioPanel(AdminComponent):
    """The Wagtail admin home's "Partners needing attention": the CAM's
    partners (channel ops: every partner) with alerts, most urgent first."""

    name = "partner_portfolio"
    template_name = "analytics/admin/portfolio_panel.html"
    order = 50

    def __init__(self, request):
        self.request = request

    def get_context_data(self, parent_context=None):
        size = PortfolioSettings.load().portfolio_size
        ranking = portfolio_ranking(user=self.request.user, only_alerts=True)
        return {"rows": ranking.page(0, size), "more": max(0, len(ranking) - size)}
