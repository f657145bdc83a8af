"""The partner shell's navigation for one request: the apps' registered items
(``programs.navigation``) placed and filtered per role by the admin's
navigation entries, plus the section pages the reader's audience admits."""

from dataclasses import dataclass, field

from django.urls import Resolver404, resolve
from django.utils import translation
from wagtail.models import Locale, Site

from content import selectors as content_selectors
from content.audience import reader_for, visibility_key
from programs.navigation import registered_items
from programs.request_memo import remembered_until_changed
from programs.tenancy import partner_context, partner_may_open

from .models import NavigationEntry, NavigationPlacement

#: the phone tab bar holds four items and "More"
TAB_SLOTS = 4
#: unconfigured items come after every configured one
UNCONFIGURED_POSITION = 1000


@dataclass
class NavigationLink:
    key: str
    label: str
    url: str
    icon: str = "squares-2x2"
    active: bool = False
    #: the label's language when it is not the reader's (an untranslated page's title)
    lang: str = ""


@dataclass
class PartnerNavigation:
    #: the dashboard, where the logo and "Home" lead
    home_url: str
    tabs: list[NavigationLink] = field(default_factory=list)
    menu: list[NavigationLink] = field(default_factory=list)
    sections: list[NavigationLink] = field(default_factory=list)

    @property
    def items(self) -> list[NavigationLink]:
        return [*self.tabs, *self.menu]

    @property
    def more_active(self) -> bool:
        return any(link.active for link in self.menu)


def _entries_by_item() -> dict[str, list[NavigationEntry]]:
    """The admin's entries by item, labels in the reader's language: kept by
    the process until an entry changes (read only, shared by every request)."""
    language = translation.get_language()
    return remembered_until_changed(("navigation entries", language), _read_entries_by_item)


def _read_entries_by_item() -> dict[str, list[NavigationEntry]]:
    default_locale = Locale.get_default()
    entries = list(NavigationEntry.objects.filter(locale=default_locale).order_by("position", "pk"))
    labels = {}
    language = translation.get_language() or default_locale.language_code
    if entries and language != default_locale.language_code:
        translated = NavigationEntry.objects.filter(
            locale__language_code=language, translation_key__in=[entry.translation_key for entry in entries]
        ).exclude(label="")
        labels = {entry.translation_key: entry.label for entry in translated}
    by_item: dict[str, list[NavigationEntry]] = {}
    for entry in entries:
        entry.label = labels.get(entry.translation_key, entry.label)
        by_item.setdefault(entry.item, []).append(entry)
    return by_item


def _active_key(request, links: list[NavigationLink], content_url: str | None) -> str | None:
    path = request.path
    # The request's own match (resolved once by Django) when there is one.
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(path)
        except Resolver404:
            return None
    if match.url_name == "wagtail_serve":
        return "content"
    best, best_length = None, 0
    for link in links:
        if link.url == content_url:
            continue
        if path.startswith(link.url) and len(link.url) > best_length:
            best, best_length = link.key, len(link.url)
    return best


def content_home_url(request) -> str | None:
    """The root of the portal's page tree in the reader's language."""
    site = Site.find_for_request(request)
    return site.root_page.localized.get_url(request) if site else None


def partner_navigation(request) -> PartnerNavigation | None:
    """What the shell shows a signed-in partner (None for anyone else)."""
    if hasattr(request, "_partner_navigation"):
        return request._partner_navigation
    navigation = None
    partner = partner_context(request.user) if request.user.is_authenticated else None
    if partner is not None:
        navigation = _build(request, partner)
    request._partner_navigation = navigation
    return navigation


def _build(request, partner) -> PartnerNavigation:
    roles = partner.roles
    entries = _entries_by_item()
    placed = []
    for key, item in registered_items().items():
        if not item.allowed_for(roles):
            continue
        if key in entries:
            entry = next((e for e in entries[key] if not e.roles or roles.intersection(e.roles)), None)
            if entry is None or entry.placement == NavigationPlacement.HIDDEN:
                continue
            placement, position, label = entry.placement, entry.position, entry.label or item.label
        else:
            placement, position, label = NavigationPlacement.MENU, UNCONFIGURED_POSITION + item.order, item.label
        url = item.url_for(request)
        # An item whose view refuses the reader's roles would link to a 404.
        if url and partner_may_open(partner, url):
            placed.append((position, placement, NavigationLink(key=key, label=str(label), url=url, icon=item.icon)))
    placed.sort(key=lambda row: row[0])
    tabs = [link for _position, placement, link in placed if placement == NavigationPlacement.TAB][:TAB_SLOTS]
    menu = [link for _position, _placement, link in placed if link not in tabs]
    content_url = content_home_url(request)
    active = _active_key(request, tabs + menu, content_url)
    for link in tabs + menu:
        link.active = link.key == active
    home = next((link.url for link in tabs + menu if link.key == "dashboard"), None)
    sections = [
        NavigationLink(key=key, label=label, url=url, active=request.path.startswith(url), lang=lang)
        for key, label, url, lang in _sections(request)
    ]
    return PartnerNavigation(home_url=home or "/", tabs=tabs, menu=menu, sections=sections)


def _sections(request) -> list[tuple[str, str, str, str]]:
    """The section pages the reader may see as (key, label, url, language):
    the same for every reader of the site, language and audience, so kept by
    the process until a page or an audience rule changes."""
    site = Site.find_for_request(request)
    if site is None:
        return []
    reader = reader_for(request)
    key = ("menu sections", site.pk, translation.get_language(), visibility_key(reader))

    def read():
        pages = content_selectors.menu_pages(request, site.root_page.localized).select_related("locale")
        return [
            (f"page-{page.pk}", page.title, page.get_url(request), content_selectors.fallback_language(page) or "")
            for page in pages
        ]

    return remembered_until_changed(key, read)
