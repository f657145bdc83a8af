from laces.components import Component

from . import selectors


class LatestContentPanel(Component):
    """The partner dashboard's news and recently updated assets, within the
    partner's audience (so a sales rep sees sales content, a Platinum partner
    Platinum pricing)."""

    template_name = "content/_dashboard_panel.html"
    order = 50

    def __init__(self, request):
        self.announcements = list(selectors.latest_announcements(request))
        self.assets = list(selectors.recently_updated_assets(request))

    def __bool__(self):
        return bool(self.announcements or self.assets)

    def get_context_data(self, parent_context=None):
        return {"announcements": self.announcements, "assets": self.assets}
