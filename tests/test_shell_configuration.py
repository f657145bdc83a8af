"""What channel ops configure reaches the very next page a partner opens.

The shell keeps the configuration every page reads (branding, navigation
entries, section pages and their audiences, languages) in the process until
it changes (``programs.request_memo.remembered_until_changed``): each test
reads a page first, so the configuration is kept, then changes it and reads
again."""

import re

import pytest
from wagtail.models import Locale, Site

from content.models import SectionPage
from home.models import NavigationEntry, PortalBranding
from programs.request_memo import GENERATION_KEY
from tests.factories import PartnerUserFactory
from tests.factories.content import publish_page, republish

pytestmark = pytest.mark.django_db


def side_nav(html: str) -> str:
    return re.search(r'<nav class="side-nav".*?</nav>', html, re.S).group(0)


def test_a_new_vendor_name_shows_on_the_next_page(client, home_page):
    client.force_login(PartnerUserFactory())
    assert "Globex Partner Network" not in client.get("/menu/").content.decode()

    branding = PortalBranding.for_site(Site.objects.get(is_default_site=True))
    branding.vendor_name = "Globex Partner Network"
    branding.save()

    assert '<a class="app-brand" href="/dashboard/"' in client.get("/menu/").content.decode()
    assert "Globex Partner Network</a>" in client.get("/menu/").content.decode()


def test_a_renamed_navigation_item_shows_on_the_next_page(client):
    client.force_login(PartnerUserFactory(roles=["sales"]))
    assert "Opportunities" not in side_nav(client.get("/dashboard/").content.decode())

    entry = NavigationEntry.objects.get(item="deals", locale=Locale.get_default())
    entry.label = "Opportunities"
    entry.save()

    assert "<span>Opportunities</span>" in side_nav(client.get("/dashboard/").content.decode())


def test_a_section_narrowed_to_another_role_leaves_the_menu_at_once(client, home_page):
    corner = publish_page(home_page, SectionPage, title="Partner corner", show_in_menus=True)
    client.force_login(PartnerUserFactory(roles=["marketing"]))
    assert "Partner corner" in side_nav(client.get("/dashboard/").content.decode())

    republish(corner, audience_roles=["sales"])

    assert "Partner corner" not in side_nav(client.get("/dashboard/").content.decode())
    assert client.get(corner.url).status_code == 404


def test_a_section_published_a_moment_ago_is_in_the_menu(client, home_page):
    client.force_login(PartnerUserFactory(roles=["marketing"]))
    assert "Launch kit" not in side_nav(client.get("/menu/").content.decode())

    publish_page(home_page, SectionPage, title="Launch kit", show_in_menus=True)

    assert "Launch kit" in side_nav(client.get("/menu/").content.decode())


def test_a_change_made_by_another_process_is_seen_once_it_announces_it(client):
    """Another web process or a worker saves through its own signals: all this
    process learns is the new generation in the shared cache."""
    from django.core.cache import cache

    client.force_login(PartnerUserFactory(roles=["sales"]))
    client.get("/dashboard/")
    NavigationEntry.objects.filter(item="deals", locale=Locale.get_default()).update(label="Pipeline")  # no signal

    cache.set(GENERATION_KEY, "saved elsewhere", timeout=None)

    assert "<span>Pipeline</span>" in side_nav(client.get("/dashboard/").content.decode())
