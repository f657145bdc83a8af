"""The partner shell: navigation on every page, the dashboard as home,
brand colours that stay readable, the installable manifest."""

import re

import pytest
from wagtail import hooks

from home.branding import brand_tokens, contrast_ratio
from home.models import NavigationEntry, NavigationPlacement, PortalBranding
from programs.navigation import NavigationItem
from tests.factories import PartnerUserFactory

pytestmark = pytest.mark.django_db


def tab_bar(html: str) -> str:
    return re.search(r'<nav class="tab-bar".*?</nav>', html, re.S).group(0)


def side_nav(html: str) -> str:
    return re.search(r'<nav class="side-nav".*?</nav>', html, re.S).group(0)


def labels(nav_html: str) -> list[str]:
    return re.findall(r"<span>([^<]+)</span>", nav_html)


def test_phone_tab_bar_has_home_deals_content_search_and_more(client):
    client.force_login(PartnerUserFactory(roles=["sales"]))

    html = client.get("/deals/").content.decode()

    assert labels(tab_bar(html)) == ["Home", "Deals", "Content", "Search", "More"]
    assert re.search(r'href="/deals/" aria-current="page"', tab_bar(html))
    assert 'href="/dashboard/"' in tab_bar(html)


def test_the_logo_leads_to_the_dashboard_from_every_partner_page(client, home_page):
    client.force_login(PartnerUserFactory())
    for url in ("/", "/deals/", "/tier/", "/search/", "/content/courses/", "/menu/"):
        html = client.get(url).content.decode()
        assert re.search(r'<a class="app-brand" href="/dashboard/"', html), url


def test_side_navigation_lists_every_item_the_role_may_use_and_the_sections(client, home_page):
    from content.models import SectionPage
    from tests.factories.content import publish_page

    publish_page(home_page, SectionPage, title="Marketing corner", show_in_menus=True, audience_roles=["marketing"])
    publish_page(home_page, SectionPage, title="Sales corner", show_in_menus=True, audience_roles=["sales"])
    client.force_login(PartnerUserFactory(roles=["marketing"]))

    nav = side_nav(client.get("/dashboard/").content.decode())

    assert "Training" in nav and "Your tier" in nav and "Company profile" in nav
    assert "Leads" not in nav  # leads are for sales and owners: no link to a 404
    assert "Marketing corner" in nav
    assert "Sales corner" not in nav


def test_more_menu_lists_the_rest_with_language_and_log_out(client):
    client.force_login(PartnerUserFactory(roles=["owner"]))

    response = client.get("/menu/")

    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Leads", "Training", "Your tier", "Team", "Your preferences", "Log out"):
        assert label in html
    assert 'name="language"' in html


def test_admin_configuration_hides_and_reorders_items_per_role(client):
    NavigationEntry.objects.filter(item="training").update(placement=NavigationPlacement.TAB, position=15)
    NavigationEntry.objects.filter(item="deals").update(roles=["sales", "owner"])
    english = NavigationEntry.objects.get(item="search").locale
    NavigationEntry.objects.create(
        item="search", roles=["marketing"], placement=NavigationPlacement.HIDDEN, position=1, locale=english
    )
    client.force_login(PartnerUserFactory(roles=["marketing"]))

    html = client.get("/dashboard/").content.decode()

    assert labels(tab_bar(html)) == ["Home", "Training", "Content", "More"]
    assert "Deals" not in labels(side_nav(html))


def test_admin_label_overrides_the_default_and_is_translated(client):
    from wagtail.models import Locale

    entry = NavigationEntry.objects.get(item="deals")
    entry.label = "Opportunities"
    entry.save()
    french = Locale.objects.get_or_create(language_code="fr")[0]
    translation = entry.copy_for_translation(french)
    translation.label = "Opportunités"
    translation.save()
    client.force_login(PartnerUserFactory())

    assert "Opportunities" in labels(tab_bar(client.get("/dashboard/").content.decode()))
    assert "Opportunités" in labels(tab_bar(client.get("/fr/dashboard/").content.decode()))
    # Without an admin label, the app's label in the reader's language.
    assert "Accueil" in labels(tab_bar(client.get("/fr/dashboard/").content.decode()))


def test_an_app_adds_a_navigation_item_through_the_hook(client):
    def funds():
        return [NavigationItem(key="funds", label="Funds", url="programs:tier_progress", roles=("finance",))]

    client.force_login(PartnerUserFactory(roles=["finance"]))
    with hooks.register_temporarily("partner_navigation_items", funds):
        html = client.get("/menu/").content.decode()
        assert "Funds" in html
        NavigationEntry.objects.create(
            item="funds", placement=NavigationPlacement.TAB, position=11, locale=NavigationEntry.objects.first().locale
        )
        assert labels(tab_bar(client.get("/dashboard/").content.decode()))[:2] == ["Home", "Funds"]


def test_header_notifications_slot_is_filled_by_a_hook(client):
    def bell(request):
        return {"count": 3, "url": "/dashboard/", "label": "3 unread notifications"}

    client.force_login(PartnerUserFactory())
    assert "unread notifications" not in client.get("/dashboard/").content.decode()
    with hooks.register_temporarily("partner_header_notifications", bell):
        html = client.get("/dashboard/").content.decode()
    assert "3 unread notifications" in html


def test_anonymous_visitors_get_no_partner_navigation(client, home_page):
    html = client.get("/login/").content.decode()
    assert 'class="tab-bar"' not in html
    assert 'class="side-nav"' not in html


@pytest.mark.parametrize("colour", ["#1d4ed8", "#ffffff", "#facc15", "#9ca3af", "#d97706", "#000000", "not a colour"])
def test_brand_tokens_keep_text_readable_whatever_the_brand_colour(colour):
    tokens = brand_tokens(colour)
    assert contrast_ratio(tokens.brand, tokens.on_brand) >= 4.5
    assert contrast_ratio(tokens.brand_text, "#ffffff") >= 4.5


def test_brand_colour_comes_from_the_branding_setting(client, home_page):
    from wagtail.models import Site

    branding = PortalBranding.for_site(Site.objects.get(is_default_site=True))
    branding.primary_colour = "#facc15"
    branding.save()
    client.force_login(PartnerUserFactory())

    html = client.get("/dashboard/").content.decode()

    assert "--brand:#facc15;--on-brand:#111827;" in html


def test_web_app_manifest_and_icons(client):
    response = client.get("/manifest.webmanifest")

    manifest = response.json()
    assert response["Content-Type"] == "application/manifest+json"
    assert manifest["start_url"] == "/dashboard/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    client.force_login(PartnerUserFactory())
    assert '<link rel="manifest" href="/manifest.webmanifest">' in client.get("/dashboard/").content.decode()


def test_static_files_are_fingerprinted_and_compressed_for_production(tmp_path, settings):
    """The production storage (WhiteNoise's manifest storage) as collectstatic builds it."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    staticfiles_storage._wrapped = None  # built again from the changed settings
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
        hashed = staticfiles_storage.url("css/portal.css")
    finally:
        staticfiles_storage._wrapped = None
    assert re.fullmatch(r"/static/css/portal\.[0-9a-f]{12}\.css", hashed)
    assert (tmp_path / hashed.removeprefix("/static/")).exists()
    assert (tmp_path / (hashed.removeprefix("/static/") + ".gz")).exists()


def test_pages_load_no_third_party_assets(client, home_page):
    client.force_login(PartnerUserFactory())
    for url in ("/dashboard/", "/deals/new/", "/"):
        html = client.get(url).content.decode()
        assert not re.search(r'<(script|link|img)\b[^>]*(src|href)="(https?:)?//', html), url


def test_channel_ops_edit_the_navigation_in_the_admin(client):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)

    listing = client.get("/admin/snippets/home/navigationentry/")
    entry = NavigationEntry.objects.get(item="leads")
    edit = client.get(f"/admin/snippets/home/navigationentry/edit/{entry.pk}/")

    assert listing.status_code == 200
    assert edit.status_code == 200
    # Every item an app registers is offered, by its label.
    assert '<option value="leads" selected>Leads</option>' in edit.text
    assert '<option value="training">Training</option>' in edit.text
