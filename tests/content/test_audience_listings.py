"""Every place that lists pages (home, menus, section listings, breadcrumbs,
the tier page, the sitemap, the pages API) shows a gated page's title only
to readers inside its audience, in English and in a translated tree."""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from content.models import AnnouncementPage, SectionPage
from content.selectors import breadcrumb_pages
from programs.services.tiers import tier_rules_record
from tests.content.localization import translate_page
from tests.factories import (
    OrganizationFactory,
    PartnerTypeFactory,
    PartnerUserFactory,
    RegionFactory,
    TierFactory,
)
from tests.factories.content import publish_page

pytestmark = pytest.mark.django_db

#: French titles of the translated pages
FRENCH = {"Gold lounge": "Salon Or", "Sales corner": "Coin des ventes", "Open section": "Section ouverte"}
FRENCH_CHILDREN = {"Gold briefing": "Briefing Or"}


@pytest.fixture
def portal(home_page):
    tiers = {}
    for rank, name in enumerate(("Silver", "Gold", "Platinum"), start=1):
        tiers[name] = TierFactory(name=name, rank=rank, requires_signed_agreement=False)
        tier_rules_record(tier=tiers[name])
    msp, apac = PartnerTypeFactory(code="msp"), RegionFactory(code="apac")
    pages = {}

    def add(parent, page_class, title, **audience):
        pages[title] = publish_page(parent, page_class, title=title, show_in_menus=True, **audience)
        return pages[title]

    gold_lounge = add(home_page, SectionPage, "Gold lounge", audience_tiers=[tiers["Gold"]])
    add(gold_lounge, SectionPage, "Gold deal desk")
    add(home_page, SectionPage, "Sales corner", audience_roles=["sales"])
    add(home_page, SectionPage, "MSP corner", audience_partner_types=[msp])
    add(home_page, SectionPage, "APAC desk", audience_regions=[apac])
    add(home_page, SectionPage, "Platinum vault", audience_tiers=[tiers["Platinum"]])
    open_section = add(home_page, SectionPage, "Open section")
    add(open_section, AnnouncementPage, "Gold briefing", audience_tiers=[tiers["Gold"]])
    add(open_section, AnnouncementPage, "Open note")
    french = {}
    for title, french_title in {**FRENCH, **FRENCH_CHILDREN}.items():
        french[french_title] = translate_page(pages[title], "fr", {title: french_title})
    return {"tiers": tiers, "pages": pages, "french": french, "msp": msp, "apac": apac}


def login(portal, *, tier, roles, partner_type, region):
    organization = OrganizationFactory(tier=portal["tiers"][tier], partner_type=partner_type, region=region)
    client = Client()
    client.user = PartnerUserFactory(organization=organization, roles=roles)
    client.force_login(client.user)
    return client


#: gated pages (English title, and French title where translated) with who is inside
GATED = {
    "Gold lounge": "gold",
    "Gold deal desk": "gold",
    "Gold briefing": "gold",
    "MSP corner": "gold",
    "APAC desk": "gold",
    "Sales corner": "silver",
    "Platinum vault": None,
}
FRENCH_OF = {**FRENCH, **FRENCH_CHILDREN}
NEXT_TIER = {"silver": "Gold", "gold": "Platinum"}


def readers(portal):
    """Anonymous, a Silver reseller seller in EMEA, a Gold MSP marketer in APAC."""
    return {
        "anonymous": Client(),
        "silver": login(
            portal,
            tier="Silver",
            roles=["sales"],
            partner_type=PartnerTypeFactory(code="reseller"),
            region=RegionFactory(code="emea"),
        ),
        "gold": login(portal, tier="Gold", roles=["marketing"], partner_type=portal["msp"], region=portal["apac"]),
    }


def everything_listed(client, portal) -> str:
    """The text of every listing a reader can open: homes (with their menus),
    the sections' listings, the tier page, the sitemap and the pages API."""
    pages, french = portal["pages"], portal["french"]
    urls = [
        "/",
        "/fr/",
        pages["Open section"].url,
        french["Section ouverte"].url,
        pages["Gold lounge"].url,
        french["Salon Or"].url,
        "/sitemap.xml",
        "/api/v2/pages/?limit=100",
        "/api/v2/pages/?limit=100&locale=fr",
        reverse("programs:tier_progress"),
        "/fr" + reverse("programs:tier_progress"),
    ]
    return "\n".join(client.get(url).content.decode() for url in urls)


def hidden_from(html: str, title: str) -> bool:
    return f">{title}<" not in html and f'"{title}"' not in html


def test_gated_titles_appear_nowhere_for_readers_outside_their_audience(portal):
    by_reader = {name: everything_listed(client, portal) for name, client in readers(portal).items()}

    for title, inside in GATED.items():
        for reader, html in by_reader.items():
            # The tier page promises what the next tier unlocks (Silver is
            # shown what Gold opens, Gold what Platinum opens), nothing else.
            if reader in NEXT_TIER:
                html = html.replace(_unlocks(html, NEXT_TIER[reader]), "")
            titles = [title, FRENCH_OF[title]] if title in FRENCH_OF else [title]
            for shown in titles:
                if reader == inside:
                    assert not hidden_from(html, shown), f"{shown} missing for the {reader} reader"
                else:
                    assert hidden_from(html, shown), f"{shown} leaked to the {reader} reader"


def _unlocks(html: str, tier: str) -> str:
    """The "<tier> unlocks" cards of the tier pages (English and French)."""
    card = rf'<section class="card tier-unlocks">\s*<h2>{tier} (?:unlocks|donne accès à)</h2>.*?</section>'
    return "".join(re.findall(card, html, re.S))


def test_page_urls_in_the_sitemap_follow_the_audience(portal):
    clients = readers(portal)
    for title, inside in GATED.items():
        url = portal["pages"][title].full_url
        for reader, client in clients.items():
            assert (url in client.get("/sitemap.xml").text) == (reader == inside), (title, reader)


def test_breadcrumbs_hold_only_pages_the_reader_may_see(portal, home_page):
    desk = portal["pages"]["Gold deal desk"]
    clients = readers(portal)
    for reader, expected in (("gold", [home_page.title, "Gold lounge"]), ("silver", [])):
        request = RequestFactory().get(desk.url)
        request.user = clients[reader].user
        assert [page.title for page in breadcrumb_pages(request, desk)] == expected, reader
