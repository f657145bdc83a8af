from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from programs.navigation import NavigationItem
from programs.wagtail_hooks import portfolio_chooser_viewset

from .models import BestBet, SearchQueryLog, SynonymSet


class SynonymSetViewSet(SnippetViewSet):
    model = SynonymSet
    icon = "list-ul"
    list_display = ["terms", "language"]
    list_filter = ["language"]
    search_fields = ["terms"]


class BestBetViewSet(SnippetViewSet):
    model = BestBet
    icon = "pick"
    menu_label = _("Promoted results")
    list_display = ["query", "page", "sort_order"]
    search_fields = ["query"]


class SearchQueryLogViewSet(SnippetViewSet):
    """What partners search for; filter on zero results to find content gaps."""

    model = SearchQueryLog
    icon = "search"
    menu_label = _("Search queries")
    list_display = ["query", "results", "language", "organization", "created_at"]
    list_filter = {"results": ["exact", "lte"], "language": ["exact"], "created_at": ["gte"]}
    list_export = ["query", "normalized_query", "results", "language", "organization", "created_at"]
    search_fields = ["query"]
    ordering = ["-created_at"]
    copy_view_enabled = False
    inspect_view_enabled = True
    #: Wagtail's chooser answers any admin user; queries carry the partner's organization.
    chooser_viewset_class = portfolio_chooser_viewset("organization")


class SearchViewSetGroup(SnippetViewSetGroup):
    menu_label = _("Search")
    menu_icon = "search"
    menu_order = 500
    items = (SynonymSetViewSet, BestBetViewSet, SearchQueryLogViewSet)


register_snippet(SearchViewSetGroup)


@hooks.register("partner_navigation_items")
def search_navigation_items():
    return [NavigationItem(key="search", label=_("Search"), url="search:search", icon="magnifying-glass", order=40)]
