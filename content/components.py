from django.db.models import Exists, OuterRef
from laces.components import Component

from . import selectors
from .models import AssetVersion


class LatestContentPanel(Component):
    """The partner dashboard's news and recently updated assets, within the
    partner's audience (so a sales rep sees sales content, a Platinum partner
    Platinum pricing)."""

    template_name = "content/_dashboard_panel.html"
    order = 50

    def __init__(self, request):
        self.announcements = list(selectors.latest_announcements(request))
        # The card only says whether an asset can be downloaded: a subquery
        # rather than the library's read of every current version.
        current = AssetVersion.objects.filter(asset=OuterRef("pk"), superseded_at__isnull=True)
        self.assets = list(
            selectors.recently_updated_assets(request).prefetch_related(None).annotate(downloadable=Exists(current))
        )

    def __bool__(self):
        return bool(self.announcements or self.assets)

    def get_context_data(self, parent_context=None):
        return {"announcements": self.announcements, "assets": self.assets}
