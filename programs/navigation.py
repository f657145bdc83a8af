"""What a partner app contributes to the portal's navigation.

Apps register a function with the ``partner_navigation_items`` Wagtail hook
that returns ``NavigationItem`` objects; the shell (``home.navigation``) shows
them in the phone tab bar, the "More" menu and the desktop side navigation,
in the order and for the roles channel ops set in Settings → Partner
navigation. An item the admin has not configured yet appears in "More", after
the configured ones, for the roles the app allows."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from wagtail import hooks


@dataclass(frozen=True)
class NavigationItem:
    #: stable identifier the admin configuration refers to
    key: str
    #: lazy-translated label (a channel-ops label set in the admin wins)
    label: str
    #: URL name to reverse, or a function of the request returning a URL (None hides the item)
    url: str | Callable
    #: heroicons outline name
    icon: str = "squares-2x2"
    #: partner roles the app allows to use the page (empty: every partner);
    #: the admin can narrow this, never widen it, so it never links to a 404
    roles: tuple[str, ...] = ()
    #: default position (lower first) when the admin has not placed the item
    order: int = 100

    def url_for(self, request) -> str | None:
        if callable(self.url):
            return self.url(request)
        return reverse(self.url)

    def allowed_for(self, roles: frozenset[str]) -> bool:
        return not self.roles or bool(roles.intersection(self.roles))


def registered_items() -> dict[str, NavigationItem]:
    """Every item the installed apps offer, by key (the first registration wins)."""
    items: dict[str, NavigationItem] = {}
    for hook in hooks.get_hooks("partner_navigation_items"):
        for item in hook():
            items.setdefault(item.key, item)
    return items
