"""The partner shell in the admin: Settings → Partner navigation."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import NavigationEntry


class NavigationEntryViewSet(SnippetViewSet):
    """Which navigation items partners see, where, in which order, per role."""

    model = NavigationEntry
    icon = "list-ul"
    menu_label = _("Partner navigation")
    add_to_settings_menu = True
    list_display = ["__str__", "item", "placement", "position", "roles"]
    list_filter = ["placement"]
    ordering = ["position", "pk"]


register_snippet(NavigationEntryViewSet)
